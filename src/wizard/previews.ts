/**
 * The texts the setup's diff previews show (current ↔ proposed), by preview URI. Bounded: each preview adds up to
 * four entries and a long session must not keep every proposal ever shown; the oldest go first, and an entry whose
 * editor was closed is dropped at once.
 */
export class PreviewTexts {
  private readonly texts = new Map<string, string>();

  constructor(readonly limit = 64) {}

  get(uri: string): string | undefined {
    return this.texts.get(uri);
  }

  set(uri: string, text: string): void {
    this.texts.delete(uri);
    this.texts.set(uri, text);
    while (this.texts.size > this.limit) this.texts.delete(this.texts.keys().next().value as string);
  }

  delete(uri: string): void {
    this.texts.delete(uri);
  }

  get size(): number {
    return this.texts.size;
  }
}
