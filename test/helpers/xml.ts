/**
 * A strict little XML 1.0 reader for checking the JUnit reports: elements,
 * attributes, character data, the five predefined entities and numeric
 * character references, an optional <?xml?> declaration. Anything else
 * (unbalanced tags, bare `&` or `<`, a duplicate attribute, a character XML
 * forbids, an unquoted attribute) throws with the offset, so a report a CI
 * server would reject fails the test.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
// eslint-disable-next-line no-control-regex -- the characters XML 1.0 forbids include C0 controls
const BAD_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function parseXml(src: string): XmlElement {
  const bad = BAD_CHAR.exec(src);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16)} is not allowed in XML (offset ${bad.index})`);
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${pos}: ${JSON.stringify(src.slice(pos, pos + 30))}`);
  };
  const ws = () => {
    while (pos < src.length && /\s/.test(src[pos]!)) pos++;
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(src);
    if (!m) fail('expected a name');
    pos += m![0].length;
    return m![0];
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) fail('bare & (not an entity)');
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ref in named) return named[ref]!;
      const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ref);
      if (!num) fail(`unknown entity &${ref};`);
      const cp = num![1]!.startsWith('x') ? parseInt(num![1]!.slice(1), 16) : parseInt(num![1]!, 10);
      const ch = String.fromCodePoint(cp);
      if (BAD_CHAR.test(ch)) fail(`character reference &${ref}; names a character XML forbids`);
      return ch;
    });

  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unclosed XML declaration');
    pos = end + 2;
  }
  ws();
  const element = (): XmlElement => {
    if (src[pos] !== '<') fail('expected <');
    pos++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      ws();
      if (src.startsWith('/>', pos)) {
        pos += 2;
        return el;
      }
      if (src[pos] === '>') {
        pos++;
        break;
      }
      const key = name();
      ws();
      if (src[pos] !== '=') fail('expected =');
      pos++;
      ws();
      const q = src[pos];
      if (q !== '"' && q !== "'") fail('attribute value not quoted');
      const end = src.indexOf(q!, pos + 1);
      if (end < 0) fail('unclosed attribute value');
      const raw = src.slice(pos + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      if (key in el.attrs) fail(`duplicate attribute ${key}`);
      el.attrs[key] = decode(raw);
      pos = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', pos);
      if (lt < 0) fail(`element <${el.name}> is never closed`);
      const raw = src.slice(pos, lt);
      if (raw.includes(']]>')) fail(']]> in character data');
      el.text += decode(raw);
      pos = lt;
      if (src.startsWith('</', pos)) {
        pos += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        ws();
        if (src[pos] !== '>') fail('expected >');
        pos++;
        return el;
      }
      if (src.startsWith('<!--', pos)) {
        const end = src.indexOf('-->', pos);
        if (end < 0) fail('unclosed comment');
        pos = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  const root = element();
  ws();
  if (pos !== src.length) fail('content after the root element');
  return root;
}

/** Every descendant element with this name, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}
