/**
 * A real-shaped cited answer of `fields` fields for work and timing measurements: a document of one labelled line per
 * field (numbers, dates, names, amounts), the JSON in an uncited fence, then a recap in bullets each citing its line
 * as a sentence-chunked passage.
 */
const MONTHS = 'January February March April May June July August September October November December'.split(
  ' ',
);

export function syntheticAnswer(fields: number): { content: unknown[]; parsed: Record<string, unknown> } {
  const parsed: Record<string, unknown> = {};
  const lines: { label: string; written: string; key: string; value: unknown }[] = [];
  for (let i = 0; i < fields; i++) {
    const key = `field_${i}_${['amount', 'date', 'party', 'count'][i % 4]}`;
    let value: unknown;
    let written: string;
    switch (i % 4) {
      case 0:
        value = 1000 + i * 7.25;
        written = `$${(value as number).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
        break;
      case 1: {
        const day = (i % 28) + 1;
        const month = Math.floor(i / 28) % 12;
        const year = 2000 + Math.floor(i / 336);
        value = `${year}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        written = `${MONTHS[month]} ${day}, ${year}`;
        break;
      }
      case 2:
        value = `Company ${i} Holdings`;
        written = `Company ${i} Holdings Ltd`;
        break;
      default:
        value = 100_000 + i;
        written = (100_000 + i).toLocaleString('en-US');
    }
    parsed[key] = value;
    lines.push({ label: `Field ${i} ${key.split('_').at(-1)}`, written, key, value });
  }
  const content: unknown[] = [
    {
      type: 'text',
      text: `Here is the data:\n\n\`\`\`json\n${JSON.stringify(parsed, null, 2)}\n\`\`\`\n\nFrom the document:\n- `,
    },
  ];
  lines.forEach((line, i) => {
    const sentence = `${line.label}: ${line.written}.\r\n`;
    content.push({
      type: 'text',
      text: `${line.label} is ${line.written}`,
      citations: [
        {
          type: 'page_location',
          cited_text: sentence,
          document_index: 0,
          document_title: 'big.pdf',
          start_page_number: 1 + Math.floor(i / 40),
          end_page_number: 2 + Math.floor(i / 40),
        },
      ],
    });
    content.push({ type: 'text', text: '\n- ' });
  });
  return { content, parsed };
}
