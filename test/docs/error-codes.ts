import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** Where a code was found, for a failure message that says where to look. */
export interface CodeSite {
  code: string;
  file: string;
  line: number;
}

const CODE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*_?$/;

/**
 * Every error code batchwise can put in front of a user, read from the syntax and types of src/ (the emulator
 * excluded: its codes are the providers'). A code is a string literal that is
 * - the argument given to a parameter named `code` of any call, `new` or `super(…)`, as the type checker resolves the
 *   signature: `new ConfigurationError('invalid_option', …)`, `fail('missing_model', …)` (also when `fail` is a
 *   parameter of a function type), `super('wait_timeout', …)`;
 * - the value of a `code` property in an object literal (`{ code: 'expired', message }`).
 * Conditionals, `??`/`||` and parentheses are looked through. A template literal (`http_${status}`) yields its
 * fixed head followed by `*`.
 */
export function collectErrorCodes(srcDir: string): CodeSite[] {
  const files = listTs(srcDir).filter((file) => !relative(srcDir, file).startsWith('emulator'));
  const program = ts.createProgram(files, {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const sites: CodeSite[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const add = (node: ts.Expression) => {
      for (const code of literalValues(node)) {
        if (!CODE.test(code.replace(/\*$/, ''))) continue;
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        sites.push({ code, file: relative(srcDir, file), line: line + 1 });
      }
    };
    const visit = (node: ts.Node): void => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments?.length) {
        const parameters = checker.getResolvedSignature(node)?.getParameters() ?? [];
        parameters.forEach((parameter, index) => {
          const argument = node.arguments?.[index];
          if (parameter.getName() === 'code' && argument) add(argument);
        });
      } else if (ts.isPropertyAssignment(node) && propertyName(node.name) === 'code') {
        add(node.initializer);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTs(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

function literalValues(node: ts.Expression): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) return [`${node.head.text}*`];
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) {
    return literalValues(node.expression);
  }
  if (ts.isConditionalExpression(node))
    return [...literalValues(node.whenTrue), ...literalValues(node.whenFalse)];
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
      return [...literalValues(node.left), ...literalValues(node.right)];
    }
  }
  return [];
}

/** The codes docs/troubleshooting.md lists: each is a heading `### \`code\`` (a family as `### \`http_<status>\``). */
export function documentedCodes(markdown: string): Set<string> {
  const codes = new Set<string>();
  for (const match of markdown.matchAll(/^###\s+`([^`]+)`/gm)) codes.add(match[1]!.replace(/<[^>]+>$/, '*'));
  return codes;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
