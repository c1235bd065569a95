type Schema = Record<string, unknown>;

const NUMERIC = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
];

/**
 * A schema with the constraints its `description` states (`{minimum: 1, maxLength: 80, format: "uri"}`) added as
 * keywords where the schema has none of its own. A model reads the description and keeps to it; so does the
 * emulator, for constraints a provider takes only as text.
 */
export function withDescribedConstraints(schema: Schema): Schema {
  if (typeof schema.description !== 'string') return schema;
  const described: Schema = {};
  for (const key of NUMERIC) {
    const match = new RegExp(`\\b${key}\\s*:\\s*(-?\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)`, 'i').exec(
      schema.description,
    );
    if (match && schema[key] === undefined) described[key] = Number(match[1]);
  }
  const format = /\bformat\s*:\s*"?([\w-]+)"?/.exec(schema.description);
  if (format && schema.format === undefined) described.format = format[1];
  return Object.keys(described).length === 0 ? schema : { ...schema, ...described };
}

/** A value of a string format, for a field the input says nothing about. */
export function formatExample(format: unknown): string | undefined {
  switch (format) {
    case 'date':
      return '2024-01-01';
    case 'date-time':
      return '2024-01-01T00:00:00Z';
    case 'time':
      return '00:00:00';
    case 'duration':
      return 'P1D';
    case 'email':
      return 'someone@example.com';
    case 'hostname':
      return 'example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'ipv4':
      return '192.0.2.1';
    case 'ipv6':
      return '2001:db8::1';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    default:
      return undefined;
  }
}
