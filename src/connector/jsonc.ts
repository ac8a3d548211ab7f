/**
 * jsonc-parser through its ES module build. Its default (UMD) build loads its parts with a dynamic `require` that
 * esbuild cannot follow, so a bundle importing `jsonc-parser` fails at run time with "Cannot find module
 * './impl/format'". The ES module build is bundled whole.
 */
export { applyEdits, findNodeAtLocation, getNodeValue, modify, parseTree, printParseErrorCode } from 'jsonc-parser/lib/esm/main.js';
export type { Edit, FormattingOptions, JSONPath, Node, ParseError } from 'jsonc-parser/lib/esm/main.js';
