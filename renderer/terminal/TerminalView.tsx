import { useEffect, useLayoutEffect, useRef } from 'react';
import type { ApiClient } from '../app/transport';
import { hubFor } from './hub';
import { writeInPieces } from './pieces';
import { createXterm, terminalTheme, type XtermHandle } from './xterm';
import { bindingFor, isMac, matchKey } from '../drill/keymap';
import { countRender } from '../app/renders';

export interface TerminalViewProps {
  client: ApiClient;
  terminalId: string;
  /** In front: fitted and focused. Hidden views keep their buffer and keep acknowledging output. */
  active: boolean;
  onSearchReady?: (search: XtermHandle['search'] | null) => void;
  /** Mod+F in the terminal: the panel's Find field takes focus. */
  onFind?: () => void;
  /** A sentence for the operator (the clipboard could not be read, …). */
  onNotice?: (message: string) => void;
}

/**
 * One live terminal: output bytes go straight into xterm.js (which decodes
 * UTF-8 itself, across chunk boundaries) and are acknowledged once parsed;
 * keystrokes go to the core; the size follows the panel.
 */
/**
 * The xterm instance on its element (not an attribute): lets tests and the benchmark read the screen. The
 * factory too: the benchmark's "xterm.js alone" reference is built exactly as this one (options, addons, renderer).
 */
export function exposeForTests(el: HTMLElement, h: XtermHandle): void {
  Object.defineProperty(el, 'drillbookTerminal', { value: h.term, configurable: true });
  Object.defineProperty(el, 'drillbookCreateXterm', { value: createXterm, configurable: true });
}

/**
 * A terminal's answers to queries: device attributes (CSI ? … c, CSI > … c),
 * status and cursor position reports (CSI … n, CSI … R), mode reports
 * (CSI ? … $ y), DECRQSS (DCS … $ r … ST), OSC colour reports, window
 * reports (CSI … t), focus in/out. Never what a person types or pastes.
 */
// eslint-disable-next-line no-control-regex -- the terminal's automatic replies are escape sequences
const REPLY = /^(?:\x1b\[[?>=]?[\d;]*[cnRt]|\x1b\[\??[\d;]*\$y|\x1bP[01]\$r[^\x1b]*\x1b\\|\x1b\][\d;]*[^\x07\x1b]*(?:\x07|\x1b\\)|\x1b\[[IO])+$/;
export function isReply(data: string): boolean {
  return REPLY.test(data);
}

/**
 * Copy and paste as in a terminal: Ctrl+Shift+C / Ctrl+Shift+V (Cmd+C / Cmd+V on macOS); Ctrl+V pastes too and
 * never also sends ^V; paste goes through xterm.js (the browser's paste event, or term.paste), so a shell that
 * asked for bracketed paste gets it. Ctrl+C always interrupts. The drill view's 'anywhere' keys pass through.
 */
export function terminalKeys(h: XtermHandle, hooks: { onFind?: () => void }, mac = isMac()) {
  return (e: KeyboardEvent): boolean => {
    if (bindingFor(e, 'anywhere', mac)) return false;
    if (matchKey('Mod+C', e, mac)) {
      if (e.type === 'keydown') {
        e.preventDefault();
        const text = h.term.getSelection();
        if (text) void navigator.clipboard?.writeText(text).catch(() => {});
      }
      return false;
    }
    // Not handled by xterm.js: the browser's own paste follows (a paste event, which xterm.js turns into one paste).
    if (matchKey('Mod+V', e, mac) || (!mac && matchKey('Ctrl+V', e, mac))) return false;
    if (matchKey('Mod+F', e, mac)) {
      if (e.type === 'keydown') {
        e.preventDefault();
        hooks.onFind?.();
      }
      return false;
    }
    return true;
  };
}

export function TerminalView({ client, terminalId, active, onSearchReady, onFind, onNotice }: TerminalViewProps) {
  countRender('TerminalView');
  const hooks = useRef({ onFind, onNotice });
  // The latest callbacks, for the key handler; set after render (a ref is not written during render).
  useLayoutEffect(() => {
    hooks.current = { onFind, onNotice };
  });
  const box = useRef<HTMLDivElement>(null);
  const handle = useRef<XtermHandle | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const h = createXterm(el);
    handle.current = h;
    exposeForTests(el, h);
    const hub = hubFor(client);
    el.dataset.renderer = h.renderer();
    h.term.attachCustomKeyEventHandler(terminalKeys(h, { onFind: () => hooks.current.onFind?.() }));
    // Right-click: copy the selection if there is one, else paste (as PuTTY and Windows Terminal do).
    const onContextMenu = (e: MouseEvent) => {
      e.preventDefault();
      e.stopPropagation();
      const selected = h.term.getSelection();
      if (selected) {
        void navigator.clipboard?.writeText(selected).catch(() => {});
        h.term.clearSelection();
        return;
      }
      const read = navigator.clipboard?.readText?.();
      if (!read) return hooks.current.onNotice?.('This browser does not let Drillbook read the clipboard: paste with Ctrl+Shift+V.');
      read.then(
        (text) => {
          if (text) h.term.paste(text);
          h.term.focus();
        },
        () => hooks.current.onNotice?.('The clipboard could not be read here: paste with Ctrl+Shift+V (Cmd+V on macOS).'),
      );
    };
    el.addEventListener('contextmenu', onContextMenu, true);
    let written = 0;
    // Output chunks handed to xterm.js (a property, not an attribute: the flood test reads it, nothing re-renders).
    let chunks = 0;
    Object.defineProperty(el, 'drillbookChunks', { get: () => chunks, configurable: true });
    // While xterm.js parses replayed scrollback, what it would answer to old queries in it (DA, DSR, DECRQSS,
    // OSC colour reports) is not typed into the live shell: that was junk like "1$r0m" at the prompt.
    let replaying = 0;
    const detach = hub.attach(terminalId, {
      data: (bytes, replay) => {
        if (bytes.length === 0) return; // the hub turns empty frames into reset(); nothing to parse or acknowledge
        chunks++;
        // Acknowledged piece by piece as xterm.js parses them (see pieces.ts): the core resumes before the page runs dry.
        let left = bytes.length;
        if (replay) replaying++;
        writeInPieces(h.term, bytes, (n) => {
          left -= n;
          if (replay && left === 0) replaying--;
          written += n;
          el.dataset.bytes = String(written);
          hub.ack(terminalId, n);
        });
      },
      reset: () => h.term.reset(),
    });
    // Output goes to every attached view (mirrored, as tmux does), and each may type. A terminal this
    // connection is not yet receiving (opened in another tab, before a reload, before the connection
    // dropped) is joined here, its scrollback replayed from the transcript.
    const takeOver = () => {
      if (!hub.receiving(terminalId)) client.call('terminal.attach', { terminalId, replay: true }).catch(() => {});
    };
    takeOver();
    let wasOpen = true;
    const offStatus = client.onStatus((s) => {
      if (s.state === 'open' && !wasOpen) takeOver();
      wasOpen = s.state === 'open';
    });
    // What xterm.js emits inside a keyboard, mouse, paste or focus event is the operator's; the rest is
    // its terminal answering a query, which only one of several mirrored views may send (see isReply).
    let userEvent = false;
    const markUser = () => {
      userEvent = true;
      queueMicrotask(() => (userEvent = false));
    };
    const userEvents = ['keydown', 'keypress', 'input', 'paste', 'compositionend', 'mousedown', 'mouseup', 'mousemove', 'wheel', 'focusin', 'focusout'];
    for (const ev of userEvents) el.addEventListener(ev, markUser, { capture: true });
    const input = h.term.onData((data) => {
      if (replaying > 0) return;
      if (!userEvent && isReply(data)) {
        client.call('terminal.input', { terminalId, data, reply: true }).catch(() => {});
        return;
      }
      // A big paste goes in pieces of 16,384 characters (the API takes at most 65,536 a call), in order, never splitting a surrogate pair.
      for (let i = 0; i < data.length; ) {
        let end = Math.min(data.length, i + 16_384);
        const last = data.charCodeAt(end - 1);
        if (end < data.length && last >= 0xd800 && last <= 0xdbff) end--;
        client.call('terminal.input', { terminalId, data: data.slice(i, end) }).catch(() => {
          /* the status bar says why the terminal is not taking input */
        });
        i = end;
      }
    });
    let lastSize = '';
    const resized = h.term.onResize(({ cols, rows }) => {
      const key = `${cols}x${rows}`;
      if (key === lastSize) return;
      lastSize = key;
      client.call('terminal.resize', { terminalId, cols, rows }).catch(() => {});
    });
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (el.offsetWidth > 0 && el.offsetHeight > 0) {
          try {
            h.fit.fit();
          } catch {
            /* detached */
          }
        }
      });
    });
    observer.observe(el);
    // Theme follows the app (data-theme on <html>).
    const themeObserver = new MutationObserver(() => (h.term.options.theme = terminalTheme()));
    themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      el.removeEventListener('contextmenu', onContextMenu, true);
      cancelAnimationFrame(frame);
      observer.disconnect();
      themeObserver.disconnect();
      input.dispose();
      for (const ev of userEvents) el.removeEventListener(ev, markUser, { capture: true });
      resized.dispose();
      offStatus();
      detach();
      handle.current = null;
      h.dispose();
    };
  }, [client, terminalId]);

  useEffect(() => {
    const h = handle.current;
    if (!h || !active) return;
    requestAnimationFrame(() => {
      try {
        h.fit.fit();
      } catch {
        /* not laid out */
      }
      // Only when the operator is already in the terminal panel (a tab clicked): a terminal brought forward by
      // moving to a step must not take the keys, or the next Enter or x meant for the drill goes to the shell.
      if ((document.activeElement as HTMLElement | null)?.closest('.term-panel')) h.term.focus();
    });
    onSearchReady?.(h.search);
  }, [active, onSearchReady]);

  return <div className={`term-view ${active ? 'is-active' : ''}`} ref={box} data-testid="terminal-view" data-terminal-id={terminalId} />;
}
