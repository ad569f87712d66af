import { useMemo, useState } from 'react';
import { useBusy, useConn } from '../app/calls';
import { addFolder, loadLibrary, selectRunbook, setLibraryFilter, useLibrary } from './store';
import type { LibraryEntry } from '../../main/runbook/model';
import { AlertIcon, FolderIcon, RefreshIcon, SearchIcon } from '../ui/Icons';
import { Button } from '../ui/Button';
import { RunbookPreview } from './RunbookPreview';
import { targetText } from '../app/format';

function matches(e: LibraryEntry, q: string): boolean {
  if (!q) return true;
  const hay = `${e.title} ${e.path}`.toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

/** The loader's message names the file by absolute path; the list already shows it. */
function shortError(error: string, path: string): string {
  return error.split(path).join(fileName(path));
}

function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

export function LibraryScreen() {
  const library = useLibrary((s) => s.library);
  const loaded = useLibrary((s) => s.libraryLoaded);
  const filter = useLibrary((s) => s.libraryFilter);
  const selected = useLibrary((s) => s.selectedRunbook);
  const dirs = useConn((s) => s.appInfo?.runbookDirs);
  const busyAdd = useBusy((s) => !!s.busy.addFolder);
  const [folderOpen, setFolderOpen] = useState(false);
  const [folder, setFolder] = useState('');

  const shown = useMemo(
    () => [...library].filter((e) => matches(e, filter)).sort((a, b) => a.title.localeCompare(b.title)),
    [library, filter],
  );
  const selectedEntry = library.find((e) => e.path === selected) ?? null;

  const submitFolder = async () => {
    if (!folder.trim()) return;
    if (await addFolder(folder)) {
      setFolder('');
      setFolderOpen(false);
    }
  };

  return (
    <div className="library">
      <aside className="library-list" aria-label="Runbooks">
        <div className="pane-head">
          <h1>
            Runbooks{' '}
            <span className="count" data-testid="library-count" aria-busy={!loaded}>
              {loaded ? library.length : '…'}
            </span>
          </h1>
          <div className="pane-head-actions">
            <button type="button" className="icon-btn" title="Reload list" aria-label="Reload list" onClick={() => void loadLibrary()} data-testid="library-refresh">
              <RefreshIcon />
            </button>
            <Button size="sm" icon={<FolderIcon />} onClick={() => setFolderOpen((v) => !v)} data-testid="open-folder" aria-expanded={folderOpen}>
              Open folder…
            </Button>
          </div>
        </div>
        {folderOpen ? (
          <form
            className="folder-form"
            onSubmit={(e) => {
              e.preventDefault();
              void submitFolder();
            }}
          >
            <label className="field-label" htmlFor="folder-path">
              Folder path on the Drillbook machine
            </label>
            <div className="folder-row">
              <input
                id="folder-path"
                className="input mono"
                value={folder}
                autoFocus
                spellCheck={false}
                placeholder="/srv/runbooks"
                onChange={(e) => setFolder(e.target.value)}
                onKeyDown={(e) => e.key === 'Escape' && setFolderOpen(false)}
                data-testid="open-folder-input"
              />
              <Button type="submit" variant="primary" busy={busyAdd} disabled={!folder.trim()} data-testid="open-folder-submit">
                Add
              </Button>
            </div>
          </form>
        ) : null}
        <div className="filter">
          <SearchIcon />
          <input
            className="input filter-input"
            type="search"
            placeholder="Filter runbooks"
            value={filter}
            onChange={(e) => setLibraryFilter(e.target.value)}
            data-testid="library-filter"
            aria-label="Filter runbooks"
          />
        </div>
        <ul className="rb-list" role="listbox" aria-label="Runbooks">
          {shown.map((e) => (
            <li key={e.path}>
              <button
                type="button"
                role="option"
                aria-selected={e.path === selected}
                className={`rb-item ${e.path === selected ? 'is-selected' : ''} ${e.error ? 'has-error' : ''}`}
                onClick={() => selectRunbook(e.path)}
                data-testid="library-item"
                data-path={e.path}
                data-title={e.title}
              >
                <span className="rb-title">{e.title}</span>
                {e.error ? (
                  <span className="rb-meta">
                    <span className="rb-failed">Failed to load</span>
                  </span>
                ) : (
                  <span className="rb-meta">
                    {e.rto ? (
                      <span className="rb-rto" title="Recovery time objective">
                        RTO {targetText(e.rto.seconds)}
                      </span>
                    ) : (
                      <span className="rb-rto is-none">No RTO</span>
                    )}
                    <span>
                      {e.stepCount} {e.stepCount === 1 ? 'step' : 'steps'}
                    </span>
                    {e.warnings > 0 ? (
                      <span className="rb-warn" data-testid="library-warnings" title="Lint warnings">
                        <AlertIcon size={12} /> {e.warnings} {e.warnings === 1 ? 'warning' : 'warnings'}
                      </span>
                    ) : null}
                  </span>
                )}
                <span className="rb-file mono">{fileName(e.path)}</span>
                {e.error ? (
                  <span className="rb-error" data-testid="library-error">
                    {shortError(e.error, e.path)}
                  </span>
                ) : null}
              </button>
            </li>
          ))}
        </ul>
        {!loaded ? (
          <div className="empty small muted" role="status" data-testid="library-loading">
            Loading runbooks…
          </div>
        ) : null}
        {loaded && library.length === 0 ? (
          <div className="empty small">
            <p>No runbooks found.</p>
            <p className="muted">
              {dirs && dirs.length ? (
                <>
                  Looked in <code>{dirs.join(', ')}</code>.{' '}
                </>
              ) : null}
              Use “Open folder…” to add a folder of Markdown runbooks.
            </p>
          </div>
        ) : null}
        {loaded && library.length > 0 && shown.length === 0 ? <div className="empty small muted">No runbook matches “{filter}”.</div> : null}
      </aside>
      <section className="library-preview">
        {selected ? (
          <RunbookPreview path={selected} entry={selectedEntry} />
        ) : (
          <div className="empty">
            <BookGlyph />
            <h2>Select a runbook</h2>
            <p className="muted">Preview its steps, then start a rehearsal or a live drill.</p>
          </div>
        )}
      </section>
    </div>
  );
}

function BookGlyph() {
  return (
    <svg width="48" height="48" viewBox="0 0 48 48" aria-hidden="true" className="empty-glyph">
      <rect x="9" y="6" width="30" height="36" rx="4" fill="none" stroke="currentColor" strokeWidth="2" />
      <path d="M16 16h16M16 23h16M16 30h10" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
