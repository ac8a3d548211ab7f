// What the emulator's own tests repeat: an emulated tenant on a free port for a suite (or a describe block), stopped
// after it.
import { after, before } from 'node:test';
import { startEmulator, type Endpoints, type InProcessOptions } from '../src/index';

/** Starts an emulated tenant before the enclosing suite and stops it after; `use` receives its endpoints. */
export function useEmulator(use: (ep: Endpoints) => void, options: InProcessOptions = {}): void {
  let stop: (() => Promise<void>) | undefined;
  before(async () => {
    const emu = await startEmulator({ port: 0, ...options });
    stop = () => emu.stop();
    use(emu.endpoints);
  });
  after(() => stop?.());
}
