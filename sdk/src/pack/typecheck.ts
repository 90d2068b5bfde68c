import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DiagnosticCategory, Project, ts } from 'ts-morph';
import { HearthError } from '../errors.js';

/** Compiler options for a package without its own tsconfig.json: what the SDK itself is held to. */
const DEFAULT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  noEmit: true,
  types: [],
};

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * Type-check the package's code against the SDK it imports, before bundling: a daemon that
 * names an undeclared image, or a `requires` that names a later daemon, fails the pack here with
 * `file:line:column message` instead of failing at run time.
 */
export function typeCheckPackage(dir: string, entry: string): Diagnostic[] {
  const tsconfig = join(dir, 'tsconfig.json');
  const project = existsSync(tsconfig)
    ? new Project({ tsConfigFilePath: tsconfig, skipAddingFilesFromTsConfig: true, compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false } })
    : new Project({ compilerOptions: DEFAULT_OPTIONS });
  project.addSourceFileAtPath(entry);
  project.resolveSourceFileDependencies();
  return project
    .getPreEmitDiagnostics()
    .filter((d) => d.getCategory() === DiagnosticCategory.Error)
    .map((d) => {
      const file = d.getSourceFile();
      const start = d.getStart() ?? 0;
      const position = file?.getLineAndColumnAtPos(start) ?? { line: 0, column: 0 };
      const text = d.getMessageText();
      return {
        file: file ? relative(dir, file.getFilePath()) : '(project)',
        line: position.line,
        column: position.column,
        message: typeof text === 'string' ? text : ts.flattenDiagnosticMessageText(text.compilerObject, '\n'),
      };
    });
}

export function assertTypeChecks(dir: string, entry: string): void {
  const diagnostics = typeCheckPackage(dir, entry);
  if (diagnostics.length === 0) return;
  const list = diagnostics.slice(0, 20).map((d) => `  ${d.file}:${d.line}:${d.column} ${d.message}`);
  throw new HearthError('PACK_FAILED', `the package code does not type-check (${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}):\n${list.join('\n')}`, {
    hint: 'fix these in the package code; hearth-pack checks it against @hearth/sdk before bundling',
    details: { diagnostics },
  });
}
