import { Dialog } from '../ui/Dialog';
import { Button } from '../ui/Button';
import { KEYMAP, isMac, keyLabel } from './keymap';

/** The shortcut sheet, from the one keymap (renderer/drill/keymap.ts). */
export const SHORTCUTS: [string[], string][] = KEYMAP.map((b) => [b.keys.filter((k) => !(isMac() && k === 'Ctrl+V')).map((k) => keyLabel(k)), b.label]);

export function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Dialog
      title="Keyboard shortcuts"
      onClose={onClose}
      restoreFocus={false}
      testId="shortcuts-overlay"
      footer={
        <Button variant="primary" onClick={onClose} data-autofocus>
          Close
        </Button>
      }
    >
      <p className="dialog-desc muted small">Single keys are ignored while you type in a text field or the terminal; Ctrl+Shift+E gets you out of either.</p>
      <table className="shortcut-table">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={what}>
              <td>
                {keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 ? <span className="muted"> or </span> : null}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
