/**
 * A tiny, dependency-free PDF 1.4 writer (Helvetica text lines, A4 pages, exact xref offsets) for
 * the Exstream area of the sandbox, and a small reader that checks the structure of such a file
 * (header, %%EOF, startxref, every xref offset) and extracts its text lines, for tests and the
 * sandbox page.
 */

export interface PdfInput {
  /** First line, in bold. */
  title: string;
  /** Body lines (long lines are wrapped). */
  lines: string[];
  /** Document information: /Title defaults to the title. */
  author?: string;
  subject?: string;
  /** Creation date (default now). */
  created?: Date;
}

const PAGE_W = 595;
const PAGE_H = 842;
const MARGIN = 56;
const TITLE_SIZE = 16;
const BODY_SIZE = 11;
const LEADING = 15;
const WRAP = 90;
const LINES_PER_PAGE = Math.floor((PAGE_H - 2 * MARGIN - 30) / LEADING);

/** Unicode characters of WinAnsiEncoding above Latin-1's printable range (0x80–0x9F). */
const WIN_ANSI_EXTRA: Record<string, number> = {
  '€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e,
  '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
};
const WIN_ANSI_BACK: Record<number, string> = Object.fromEntries(Object.entries(WIN_ANSI_EXTRA).map(([k, v]) => [v, k]));

/** A PDF string literal (WinAnsi bytes, octal escapes for anything outside printable ASCII). */
function pdfString(text: string): string {
  let out = '(';
  for (const ch of text) {
    let code = ch.codePointAt(0) ?? 63;
    if (WIN_ANSI_EXTRA[ch] !== undefined) code = WIN_ANSI_EXTRA[ch];
    else if (code > 0xff || (code >= 0x80 && code < 0xa0) || code < 0x20) code = code === 9 ? 32 : 63; // '?' for what Helvetica/WinAnsi cannot show
    if (code === 0x28 || code === 0x29 || code === 0x5c) out += '\\' + String.fromCharCode(code);
    else if (code < 0x20 || code > 0x7e) out += '\\' + code.toString(8).padStart(3, '0');
    else out += String.fromCharCode(code);
  }
  return out + ')';
}

/** A text string for the document information: ASCII as a literal, anything else as UTF-16BE hex with a BOM. */
function infoString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return pdfString(text);
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase();
  return `<${hex}>`;
}

function wrap(line: string): string[] {
  let rest = [...line.replace(/[\r\n]+/g, ' ')];
  const out: string[] = [];
  let width = WRAP;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut < width / 2) cut = width;
    out.push(rest.slice(0, cut).join('').trimEnd());
    rest = rest.slice(cut);
    while (rest[0] === ' ') rest = rest.slice(1);
    width = WRAP - 4; // continuation lines are indented
  }
  out.push(rest.join(''));
  return out.map((l, i) => (i > 0 ? '    ' + l : l));
}

function pdfDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `D:${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** Writes a PDF 1.4 file: a bold title, then the lines in 11 pt Helvetica, as many A4 pages as needed. */
export function writePdf(input: PdfInput): Buffer {
  const body = input.lines.flatMap((l) => wrap(String(l)));
  const pages: string[][] = [];
  const first = LINES_PER_PAGE - 2; // the title takes two lines
  pages.push(body.slice(0, first));
  for (let i = first; i < body.length; i += LINES_PER_PAGE) pages.push(body.slice(i, i + LINES_PER_PAGE));

  // Object numbers: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then page + content per page.
  const objects: Buffer[] = [];
  const kids = pages.map((_, i) => `${6 + i * 2} 0 R`).join(' ');
  objects.push(Buffer.from('<< /Type /Catalog /Pages 2 0 R >>', 'latin1'));
  objects.push(Buffer.from(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`, 'latin1'));
  objects.push(Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>', 'latin1'));
  objects.push(Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>', 'latin1'));
  const created = pdfDate(input.created || new Date());
  const info = [`/Title ${infoString(input.title)}`, '/Producer (OpenText sandbox)', `/CreationDate (${created})`];
  if (input.author) info.push(`/Author ${infoString(input.author)}`);
  if (input.subject) info.push(`/Subject ${infoString(input.subject)}`);
  objects.push(Buffer.from(`<< ${info.join(' ')} >>`, 'latin1'));
  pages.forEach((lines, i) => {
    const ops: string[] = ['BT', `${LEADING} TL`, `${MARGIN} ${PAGE_H - MARGIN} Td`];
    if (i === 0) {
      ops.push(`/F2 ${TITLE_SIZE} Tf`, `${pdfString(input.title)} Tj`, '0 -28 Td');
    }
    ops.push(`/F1 ${BODY_SIZE} Tf`);
    for (const l of lines) ops.push(`${pdfString(l)} Tj`, 'T*');
    ops.push('ET');
    if (pages.length > 1) ops.push('BT', `/F1 9 Tf`, `${PAGE_W - MARGIN - 60} ${MARGIN / 2} Td`, `${pdfString(`Page ${i + 1} of ${pages.length}`)} Tj`, 'ET');
    const stream = Buffer.from(ops.join('\n') + '\n', 'latin1');
    objects.push(
      Buffer.from(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_W} ${PAGE_H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${7 + i * 2} 0 R >>`, 'latin1'),
    );
    objects.push(Buffer.concat([Buffer.from(`<< /Length ${stream.length} >>\nstream\n`, 'latin1'), stream, Buffer.from('endstream', 'latin1')]));
  });

  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%', 'latin1'), Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]), Buffer.from('\n', 'latin1')];
  let offset = parts.reduce((n, b) => n + b.length, 0);
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(offset);
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), o, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(chunk);
    offset += chunk.length;
  });
  const xrefAt = offset;
  const xref = ['xref', `0 ${objects.length + 1}`, '0000000000 65535 f ', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `)].join('\n') + '\n';
  const id = Buffer.from(`${input.title}|${created}|${body.length}`).toString('hex').slice(0, 32).padEnd(32, '0');
  const trailer = `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R /ID [<${id}> <${id}>] >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  parts.push(Buffer.from(xref + trailer, 'latin1'));
  return Buffer.concat(parts);
}

// ---- reader --------------------------------------------------------------------------------------

export interface PdfInspection {
  /** True when the header, %%EOF, startxref and every xref offset are right. */
  ok: boolean;
  errors: string[];
  version?: string;
  /** In-use objects listed in the xref table. */
  objects: number;
  pages: number;
  /** The text of every `(...) Tj` in content-stream order, decoded from WinAnsi. */
  lines: string[];
  /** /Title of the document information, when present. */
  title?: string;
}

function unescapePdfString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += decodeByte(s.charCodeAt(i));
      continue;
    }
    const n = s[++i];
    if (n === undefined) break;
    if (/[0-7]/.test(n)) {
      let oct = n;
      while (oct.length < 3 && /[0-7]/.test(s[i + 1] || '')) oct += s[++i];
      out += decodeByte(parseInt(oct, 8));
    } else if (n === 'n') out += '\n';
    else if (n === 'r') out += '\r';
    else if (n === 't') out += '\t';
    else if (n === 'b') out += '\b';
    else if (n === 'f') out += '\f';
    else if (n === '\n') continue;
    else out += n;
  }
  return out;
}

function decodeByte(b: number): string {
  return WIN_ANSI_BACK[b] ?? String.fromCharCode(b);
}

const STRING_TJ = /\(((?:\\.|[^\\)])*)\)\s*Tj/gs;

/** Checks the structure of a PDF written by writePdf (or any uncompressed, xref-table PDF) and extracts its text. */
export function inspectPdf(buf: Buffer): PdfInspection {
  const errors: string[] = [];
  const text = buf.toString('latin1');
  const head = /^%PDF-(\d\.\d)/.exec(text);
  if (!head) errors.push('no %PDF- header');
  if (!/%%EOF\s*$/.test(text)) errors.push('no %%EOF at the end');
  let objects = 0;
  const sx = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  if (!sx) errors.push('no startxref before %%EOF');
  else {
    const at = Number(sx[1]);
    if (text.slice(at, at + 4) !== 'xref') errors.push(`startxref ${at} does not point at the xref table`);
    else {
      const table = /^xref\s+(\d+)\s+(\d+)\s+/.exec(text.slice(at));
      if (!table) errors.push('unreadable xref table');
      else {
        const start = Number(table[1]);
        const count = Number(table[2]);
        let pos = at + table[0].length;
        for (let i = 0; i < count; i++) {
          const entry = text.slice(pos, pos + 20);
          const m = /^(\d{10}) (\d{5}) ([nf])(?: \n| \r|\r\n)$/.exec(entry);
          if (!m) {
            errors.push(`xref entry ${start + i} is not 20 bytes of "oooooooooo ggggg n"`);
            break;
          }
          pos += 20;
          if (m[3] === 'f') continue;
          objects++;
          const off = Number(m[1]);
          const expect = `${start + i} ${Number(m[2])} obj`;
          if (text.slice(off, off + expect.length) !== expect) errors.push(`xref offset ${off} of object ${start + i} does not point at "${expect}"`);
        }
        if (!/^\s*trailer\s*<</.test(text.slice(pos))) errors.push('no trailer after the xref table');
      }
    }
  }
  const lines: string[] = [];
  const streamRe = /stream\r?\n([\s\S]*?)endstream/g;
  for (let m = streamRe.exec(text); m; m = streamRe.exec(text)) {
    for (let t = STRING_TJ.exec(m[1]); t; t = STRING_TJ.exec(m[1])) lines.push(unescapePdfString(t[1]));
    STRING_TJ.lastIndex = 0;
  }
  const pages = (text.match(/\/Type\s*\/Page(?!s)/g) || []).length;
  let title: string | undefined;
  const lit = /\/Title\s*\(((?:\\.|[^\\)])*)\)/s.exec(text);
  const hex = /\/Title\s*<FEFF([0-9A-Fa-f]*)>/.exec(text);
  if (lit) title = unescapePdfString(lit[1]);
  else if (hex) title = String.fromCharCode(...(hex[1].match(/.{4}/g) || []).map((h) => parseInt(h, 16)));
  return { ok: errors.length === 0, errors, version: head?.[1], objects, pages, lines, title };
}
