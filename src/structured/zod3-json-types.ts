/**
 * Zod 3 types whose values JSON cannot carry: `zod-to-json-schema` still converts them (a date to a `date-time`
 * string, a set to an array), but the answer then never validates — `z.date()` refuses the string the model wrote,
 * `z.bigint()` a number, `z.set()` an array — and every retry is paid for in vain. Zod 4's `toJSONSchema` refuses
 * them itself; for zod 3 they are found here. `z.coerce.date()` and the like take JSON values, so they pass.
 */
const NOT_JSON: Record<string, string> = {
  ZodDate: 'z.date() (JSON has no dates: use z.string() with a date format, or z.coerce.date())',
  ZodBigInt: 'z.bigint() (use z.number(), or z.coerce.bigint())',
  ZodSet: 'z.set() (use z.array())',
  ZodMap: 'z.map() (use z.object() or z.array())',
  ZodSymbol: 'z.symbol()',
  ZodFunction: 'z.function()',
  ZodPromise: 'z.promise()',
  ZodUndefined: 'z.undefined()',
  ZodVoid: 'z.void()',
  ZodNaN: 'z.nan()',
  ZodNever: 'z.never()',
};

interface Zod3Def {
  typeName?: string;
  coerce?: boolean;
  [key: string]: unknown;
}

/**
 * The first zod 3 type in the schema that JSON cannot carry, or the first field that refers back to an enclosing
 * schema, with its field path; null when there is none. Recursion is found here because `zod-to-json-schema` (with
 * the inline references batchwise needs) prints a warning to the console and writes `{}` in its place, which would
 * reach the provider as a field of any type.
 */
export function zod3Problem(schema: unknown): string | null {
  return findProblem(schema, { outputSide: false, notJson: true });
}

/** Whether a zod 3 schema refers back to itself anywhere, either side of a pipe (its conversion would warn). */
export function zod3IsRecursive(schema: unknown): boolean {
  return findProblem(schema, { outputSide: true, notJson: false }) !== null;
}

function findProblem(
  schema: unknown,
  { outputSide, notJson }: { outputSide: boolean; notJson: boolean },
): string | null {
  const seen = new Set<unknown>();
  const enclosing = new Set<unknown>();
  const visit = (node: unknown, path: string): string | null => {
    const def = (node as { _def?: Zod3Def } | null)?._def;
    if (def && enclosing.has(node)) {
      return `${path || '(root)'} refers back to an enclosing schema (a recursive z.lazy): batchwise cannot send a recursive zod 3 schema. Bound the depth with explicit nested objects, or define it with zod 4 (OpenAI's strict mode takes recursion)`;
    }
    if (!def || seen.has(node)) return null;
    seen.add(node);
    const name = def.typeName ?? '';
    if (notJson && name in NOT_JSON && !def.coerce) return `${path || '(root)'} is ${NOT_JSON[name]}`;
    if (notJson && name === 'ZodDefault' && typeof def.defaultValue === 'function') {
      // zod-to-json-schema writes the default into the schema, and a bigint cannot be sent as JSON.
      if (typeof (def.defaultValue as () => unknown)() === 'bigint')
        return `${path || '(root)'} has a bigint .default(), which JSON cannot carry (use a number default)`;
    }
    if (notJson && name === 'ZodLiteral' && (typeof def.value === 'bigint' || def.value === undefined))
      return `${path || '(root)'} is a z.literal() of a bigint or undefined, which JSON cannot carry (use a number or string literal)`;
    const children: [unknown, string][] = [];
    const at = (key: string) => (path ? `${path}.${key}` : key);
    switch (name) {
      case 'ZodObject': {
        const shape = typeof def.shape === 'function' ? (def.shape as () => Record<string, unknown>)() : {};
        for (const [key, child] of Object.entries(shape)) children.push([child, at(key)]);
        // A plain object's catchall is z.never(): no other key is allowed, not a field.
        const catchall = def.catchall as { _def?: Zod3Def } | undefined;
        if (catchall && catchall._def?.typeName !== 'ZodNever') children.push([catchall, at('*')]);
        break;
      }
      case 'ZodArray':
        children.push([def.type, `${path}[]`]);
        break;
      case 'ZodRecord':
        children.push([def.valueType, at('*')]);
        break;
      case 'ZodTuple':
        for (const [index, item] of ((def.items as unknown[]) ?? []).entries())
          children.push([item, `${path}[${index}]`]);
        if (def.rest) children.push([def.rest, `${path}[]`]);
        break;
      case 'ZodUnion':
      case 'ZodDiscriminatedUnion': {
        const options =
          def.options instanceof Map ? [...def.options.values()] : ((def.options as unknown[]) ?? []);
        for (const option of options) children.push([option, path]);
        break;
      }
      case 'ZodIntersection':
        children.push([def.left, path], [def.right, path]);
        break;
      case 'ZodLazy':
        children.push([typeof def.getter === 'function' ? (def.getter as () => unknown)() : null, path]);
        break;
      case 'ZodEffects':
        children.push([def.schema, path]);
        break;
      case 'ZodPipeline': {
        // The model writes the pipeline's input; what it becomes is zod's business — but for recursion, which the
        // output side's conversion (job digests) would print a warning for too, and for a type JSON cannot carry
        // that the input reaches unchanged: no answer could parse.
        const out = (def.out as { _def?: Zod3Def } | undefined)?._def;
        const outName = out?.typeName ?? '';
        if (notJson && outName in NOT_JSON && !out?.coerce && !zod3Transforms(def.in)) {
          return `${path || '(root)'} pipes into ${NOT_JSON[outName]}: what the model writes reaches it unchanged, so no answer could parse. Put a .transform() before the pipe, or use the coerce form`;
        }
        children.push([def.in, path]);
        if (outputSide) children.push([def.out, path]);
        break;
      }
      case 'ZodBranded':
        children.push([def.type, path]);
        break;
      default:
        // Optional, nullable, default, catch, readonly: one inner type.
        if (def.innerType) children.push([def.innerType, path]);
    }
    enclosing.add(node);
    for (const [child, childPath] of children) {
      const found = visit(child, childPath);
      if (found) return found;
    }
    enclosing.delete(node);
    return null;
  };
  return visit(schema, '');
}

/** Whether a zod 3 schema changes its value on the way (a transform), however deep in its chain of pipes. */
function zod3Transforms(schema: unknown, depth = 0): boolean {
  const def = (schema as { _def?: Zod3Def } | null)?._def;
  if (!def || depth > 32) return false;
  if (def.typeName === 'ZodEffects') {
    const effect = def.effect as { type?: string } | undefined;
    return effect?.type === 'transform' || zod3Transforms(def.schema, depth + 1);
  }
  if (def.typeName === 'ZodPipeline')
    return zod3Transforms(def.in, depth + 1) || zod3Transforms(def.out, depth + 1);
  return false;
}
