/**
 * The drill view's pure pieces without a browser (issue 9): the one keymap
 * (what the handler, footer and sheet read), the terminal's default width in
 * columns, "1 check", and the run badge's words for a failed expectation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

const load = async () => ({
  ...(await import('../../../renderer/drill/keymap.js')),
  ...(await import('../../../renderer/drill/key-actions.js')),
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
    assert.equal(keyLabel('Escape', false), 'Esc');
    assert.equal(new Set(specs).size, specs.length, 'no key bound twice');
  });
});

describe('drill keymap: shown is handled, handled is shown', () => {
  type Calls = string[];
  const deps = (calls: Calls) => {
    const rec = (name: string) => (...args: unknown[]) => {
      calls.push([name, ...args].join(' '));
      return true;
    };
    return {
      select: rec('select'), help: rec('help'), wide: rec('wide'), activity: rec('activity'), focusTerminal: rec('focusTerminal'),
      leaveTerminal: rec('leaveTerminal'), start: rec('start'), complete: rec('complete'), skip: rec('skip'), fail: rec('fail'),
      pause: rec('pause'), resume: rec('resume'), note: rec('note'), tick: rec('tick'),
    };
  };
  type State = Parameters<Awaited<ReturnType<typeof load>>['KEY_ACTIONS']['next']>[0];
  const running = (status: 'pending' | 'running' | 'completed' = 'pending'): State => ({
    sel: 1,
    step: { status, checklist: [{ index: 0, checked: true }, { index: 1, checked: false }] },
    canAct: true,
    paused: false,
    busy: () => false,
    onControl: false,
  });
  /** A key press for a key spec, as the browser reports it (Linux). */
  const press = (spec: string) => {
    const parts = spec.split('+');
    const k = parts.pop()!;
    return key(k === '?' ? '?' : k, { ctrlKey: parts.includes('Ctrl'), shiftKey: parts.includes('Shift') || k === '?' });
  };

  test('every key of every view binding reaches its handler, which acts (on a running drill with a pending step)', async () => {
    const { KEYMAP, KEY_ACTIONS, viewBinding } = await load();
    const view = KEYMAP.filter((b) => b.scope === 'view' || b.scope === 'anywhere');
    assert.deepEqual(Object.keys(KEY_ACTIONS).sort(), view.map((b) => b.action).sort(), 'a handler for each view binding, and no handler without a binding');
    for (const b of view) {
      for (const spec of b.keys) {
        const found = viewBinding(press(spec), false, false);
        assert.equal(found?.action, b.action, `${spec} is ${b.action}`);
        const calls: Calls = [];
        const acted = KEY_ACTIONS[found!.action](running(b.action === 'pause' ? 'running' : 'pending'), deps(calls));
        assert.equal(acted, true, `${spec} (${b.action}) is handled`);
        assert.equal(calls.length, 1, `${spec} (${b.action}) does one thing: ${calls.join(', ')}`);
      }
    }
  });

  test('every footer hint is a handled key; the drill-changing ones show (and act) only while the drill can be acted on', async () => {
    const { KEYMAP, KEY_ACTIONS, footerBindings } = await load();
    const live = footerBindings(true);
    assert.deepEqual(live.map((b) => b.action), KEYMAP.filter((b) => b.hint).map((b) => b.action));
    for (const b of live) assert.ok(b.action in KEY_ACTIONS, `${b.action} is handled`);
    const idle = footerBindings(false).map((b) => b.action);
    for (const b of KEYMAP.filter((x) => x.scope === 'view' || x.scope === 'anywhere')) {
      const calls: Calls = [];
      const acted = KEY_ACTIONS[b.action as keyof typeof KEY_ACTIONS]({ ...running(), canAct: false }, deps(calls));
      if (b.when === 'running') {
        assert.equal(acted, false, `${b.action} does nothing on a drill that cannot be acted on`);
        assert.ok(!idle.includes(b.action), `${b.action} is not hinted then`);
      } else assert.equal(acted, true, `${b.action} works on any drill`);
    }
    assert.deepEqual(KEYMAP.find((b) => b.action === 'next')!.hintKeys, ['j', 'k']);
  });

  test('the handlers keep their rules: Enter starts or completes, never on a button or while busy; s/f not on an ended step; p resumes a paused drill; x ticks the next open item', async () => {
    const { KEY_ACTIONS } = await load();
    const run = (action: keyof typeof KEY_ACTIONS, state: State) => {
      const calls: Calls = [];
      const acted = KEY_ACTIONS[action](state, deps(calls));
      return { acted, calls };
    };
    assert.deepEqual(run('startOrComplete', running('pending')).calls, ['start 1']);
    assert.deepEqual(run('startOrComplete', running('running')).calls, ['complete 1']);
    assert.equal(run('startOrComplete', { ...running(), onControl: true }).acted, false, 'Enter on a button presses the button');
    assert.equal(run('startOrComplete', { ...running(), paused: true }).acted, false);
    assert.equal(run('startOrComplete', { ...running(), busy: (k: string) => k === 'step:1' }).acted, false);
    assert.equal(run('skip', running('completed')).acted, false);
    assert.equal(run('fail', running('completed')).acted, false);
    assert.deepEqual(run('pause', { ...running(), paused: true }).calls, ['resume']);
    assert.deepEqual(run('tick', running()).calls, ['tick 1 1']);
    assert.deepEqual(run('tick', { ...running(), busy: (k: string) => k === 'check:1:1' }), { acted: true, calls: [] });
    assert.equal(run('next', { ...running(), step: undefined, canAct: false }).acted, true, 'selection works on any drill');
    assert.deepEqual(run('prev', running()).calls, ['select 0']);
  });

  test('while typing, only the way out of the terminal is a shortcut', async () => {
    const { viewBinding } = await load();
    assert.equal(viewBinding(key('j'), true, false), undefined);
    assert.equal(viewBinding(key('E', { ctrlKey: true, shiftKey: true }), true, false)?.action, 'leaveTerminal');
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
