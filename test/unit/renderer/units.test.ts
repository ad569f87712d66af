/**
 * The renderer's pure pieces, without a browser: the markdown pipeline's
 * safety rules and the time formats the drill view shows.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

// The renderer is an ES module package (renderer/package.json); this test
// file is CommonJS, so it loads the renderer modules dynamically.
const load = async () => ({
  ...(await import('../../../renderer/ui/markdown.js')),
  ...(await import('../../../renderer/app/format.js')),
  ...(await import('../../../renderer/drill/blocks.js')),
});

describe('renderer markdown', () => {
  test('raw HTML is text, never markup', async () => {
    const { renderMarkdown } = await load();
    const { html } = renderMarkdown('Hi <script>alert(1)</script> <img src=x onerror="alert(2)">\n\n<div onclick="x()">block</div>\n');
    assert.doesNotMatch(html, /<script|<img|<div onclick/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /&lt;img src=x onerror=&quot;alert\(2\)&quot;&gt;/);
  });

  test('dangerous link schemes are not links; safe links open in a new window without an opener', async () => {
    const { renderMarkdown } = await load();
    const { html } = renderMarkdown(
      '[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](javascript&#58;alert(1)) [d](data:text/html,x) [e](vbscript:x) [f](https://example.com) <https://example.org> and https://example.net/x',
    );
    assert.doesNotMatch(html, /href="(javascript|data|vbscript)/i);
    const anchors = html.match(/<a [^>]*>/g) ?? [];
    assert.equal(anchors.length, 3, html);
    for (const a of anchors) {
      assert.match(a, /target="_blank"/);
      assert.match(a, /rel="noopener noreferrer"/);
    }
  });

  test('code blocks become placeholders carrying their text for the React CodeBlock', async () => {
    const { renderMarkdown } = await load();
    const src = 'Intro\n\n```sh {name=restore}\npg_restore -d orders <dump>\n```\n\n1. item\n\n   ```sql\n   SELECT 1;\n   ```\n\nAfter the list.\n\n    indented code\n';
    const { html, blocks } = renderMarkdown(src);
    assert.equal(blocks.length, 3);
    assert.deepEqual(blocks[0], { index: 0, fence: 0, lang: 'sh', info: 'sh {name=restore}', text: 'pg_restore -d orders <dump>' });
    assert.deepEqual(blocks.map((b) => b.fence), [0, 1, null]);
    assert.equal(blocks[1]!.lang, 'sql');
    assert.equal(blocks[1]!.text, 'SELECT 1;');
    assert.equal(blocks[2]!.lang, '');
    assert.equal(blocks[2]!.text, 'indented code');
    assert.equal((html.match(/data-code-index=/g) ?? []).length, 3);
    assert.doesNotMatch(html, /pg_restore/, 'code text is not in the HTML string');
  });

  test('task list items are marked and their box is drawn', async () => {
    const { renderMarkdown } = await load();
    const { html } = renderMarkdown('- [ ] open <b>x</b>\n- [x] done\n- plain\n');
    assert.match(html, /<li class="md-task"><span class="md-box" aria-hidden="true"><\/span>open &lt;b&gt;x&lt;\/b&gt;/);
    assert.match(html, /<li class="md-task is-checked"><span class="md-box is-checked"/);
    assert.match(html, /<li>plain<\/li>/);
  });
});

describe('renderer time formats', () => {
  test('clocks', async () => {
    const { clockShort, hms, targetText } = await load();
    assert.equal(hms(0), '00:00:00');
    assert.equal(hms(761_999), '00:12:41');
    assert.equal(hms(3_600_000 * 25 + 1000), '25:00:01');
    assert.equal(hms(-5), '00:00:00');
    assert.equal(clockShort(59_000), '00:59');
    assert.equal(clockShort(3_723_000), '1:02:03');
    assert.equal(targetText(2700), '45:00');
    assert.equal(targetText(5400), '1:30:00');
  });

  test('durations and UTC', async () => {
    const { humanDuration, utcDateTime, utcTime } = await load();
    assert.equal(humanDuration(null), '—');
    assert.equal(humanDuration(42_000), '42s');
    assert.equal(humanDuration(192_000), '3m 12s');
    assert.equal(humanDuration(3_840_000), '1h 04m 00s');
    assert.equal(utcTime('2026-01-14T07:41:02.123Z'), '07:41:02');
    assert.equal(utcDateTime('2026-01-14T07:41:02Z'), '2026-01-14 07:41');
    assert.equal(utcDateTime('2026-01-14T07:41:02Z', true), '2026-01-14 07:41:02');
    assert.equal(utcTime('not a date'), '—');
  });

  test('a drill shows, copies and runs a code block by its position, with its variables filled in (never matched by text)', async () => {
    const { renderMarkdown, blockIndexOf, blockText } = await load();
    // The step as the drill started with it: {{PGPORT}} and {{DB}} filled in; the markdown still has the placeholders.
    const body = 'Output looks like:\n\n    ok\n\n```sh {name=check}\npsql -p {{PGPORT}} -d {{DB}} -c "select 1"\n```\n\n```sql\nSELECT count(*) FROM {{DB}}.t;\n```\n';
    const step = {
      index: 0, title: 's', key: 's', line: 1, endLine: 9, body, checklist: [], rtoStart: false, rtoEnd: false, always: false,
      commands: [
        { lang: 'sh', text: 'psql -p 5433 -d orders -c "select 1"', line: 5, attrs: { name: 'check' }, fenced: true },
        { lang: 'sql', text: 'SELECT count(*) FROM orders.t;', line: 9, attrs: {}, fenced: true },
      ],
    };
    const { blocks } = renderMarkdown(body);
    assert.deepEqual(blocks.map((b) => blockIndexOf(step, b)), [-1, 0, 1]);
    assert.deepEqual(blocks.map((b) => blockText(step, b)), [undefined, 'psql -p 5433 -d orders -c "select 1"', 'SELECT count(*) FROM orders.t;']);
    // Blocks that do not line up with the runbook's (another parser's view) get no Run rather than the wrong block.
    assert.equal(blockIndexOf({ ...step, commands: [step.commands[1]!] }, blocks[1]!), -1);
  });
});
