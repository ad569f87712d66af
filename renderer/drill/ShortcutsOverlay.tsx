import { Dialog } from '../ui/Dialog';
import { Button } from '../ui/Button';

export const SHORTCUTS: [string[], string][] = [
  [['j', '↓'], 'Select next step'],
  [['k', '↑'], 'Select previous step'],
  [['Enter'], 'Start the selected step, or complete it if running'],
  [['x'], 'Tick the next unticked checklist item'],
  [['s'], 'Skip the selected step… (reason)'],
  [['f'], 'Fail the selected step… (reason)'],
  [['p'], 'Pause… / resume the drill'],
  [['n'], 'Write a note on the selected step'],
  [['?'], 'Show this list'],
  [['Esc'], 'Close a dialog / leave a text field'],
];

export function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Dialog
      title="Keyboard shortcuts"
      onClose={onClose}
      testId="shortcuts-overlay"
      footer={
        <Button variant="primary" onClick={onClose} data-autofocus>
          Close
        </Button>
      }
    >
      <p className="dialog-desc muted small">Shortcuts are ignored while you type in a text field.</p>
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
