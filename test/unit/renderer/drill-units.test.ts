/**
 * The drill view's pure pieces without a browser (issue 9): the one keymap
 * (what the handler, footer and sheet read), the terminal's default width in
 * columns, "1 check", and the run badge's words for a failed expectation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

const load = async () => ({
  ...(await import('../../../renderer/drill/keymap.js')),
  ...(await import('../../../renderer/drill/layout.js')),
  ...(await import('../../../renderer/app/format.js')),
});
const key = (k: string, mods: Partial<Record<'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey', boolean>> = {}) => ({ key: k, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods });

describe('drill keymap', () => {
  test('plain keys never match with Ctrl/Cmd/Alt; the way out of a terminal works anywhere', async () => {
    const { bindingFor } = await load();
    assert.equal(bindingFor(key('j'), 'view', false)?.action, 'next');
    assert.equal(bindingFor(key('?', { shiftKey: true }), 'view', false)?.action, 'help');
    assert.equal(bindingFor(key('j', { ctrlKey: true }), 'view', false), undefined);
    assert.equal(bindingFor(key('E', { ctrlKey: true, shiftKey: true }), 'anywhere', false)?.action, 'leaveTerminal');
    assert.equal(bindingFor(key('e', { ctrlKey: true }), 'anywhere', false), undefined, 'Ctrl+E stays the shell’s (end of line)');
  });

  test('copy/paste: Ctrl+Shift on Linux/Windows, Cmd on macOS; Ctrl+C is never copy', async () => {
    const { matchKey } = await load();
    assert.equal(matchKey('Mod+C', key('C', { ctrlKey: true, shiftKey: true }), false), true);
    assert.equal(matchKey('Mod+C', key('c', { ctrlKey: true }), false), false);
    assert.equal(matchKey('Mod+V', key('v', { metaKey: true }), true), true);
    assert.equal(matchKey('Mod+V', key('v', { ctrlKey: true }), true), false, 'Ctrl+V on macOS is the terminal’s ^V');
    assert.equal(matchKey('Ctrl+V', key('v', { ctrlKey: true }), false), true);
  });

  test('labels follow the platform; every binding has a label for the sheet', async () => {
    const { KEYMAP, keyLabel } = await load();
    assert.equal(keyLabel('Mod+C', false), 'Ctrl+Shift+C');
    assert.equal(keyLabel('Mod+C', true), 'Cmd+C');
    assert.equal(keyLabel('ArrowDown', false), '↓');
    assert.ok(KEYMAP.every((b) => b.label.length > 0 && b.keys.length > 0));
    const specs = KEYMAP.filter((b) => b.scope !== 'terminal').flatMap((b) => b.keys);
    assert.equal(new Set(specs).size, specs.length, 'no key bound twice');
  });
});

describe('drill layout', () => {
  test('the terminal gets room for ~104 columns by default, the step at least 320 px', async () => {
    const { termWidth, DEFAULT_COLS, STEP_DEFAULT_MIN_PX } = await load();
    const char = 7.83;
    // 1440 px window: step list 232, activity rail 28 → a 1180 px workspace.
    const w = termWidth(1180, char, null);
    assert.ok(Math.floor((w - 30) / char) >= 100, `${w} px`);
    assert.ok(1180 - w >= STEP_DEFAULT_MIN_PX);
    assert.equal(DEFAULT_COLS, 104);
    // A chosen width is kept, within bounds.
    assert.equal(termWidth(1180, char, 500), 500);
    assert.equal(termWidth(1180, char, 5000), 1180 - 220);
    assert.equal(termWidth(1180, char, 10), 300);
  });

  test('"1 check", "2 checks"', async () => {
    const { plural } = await load();
    assert.equal(plural(1, 'check'), '1 check');
    assert.equal(plural(0, 'check'), '0 checks');
    assert.equal(plural(2, 'step'), '2 steps');
  });
});
