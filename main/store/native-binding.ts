/**
 * Which better-sqlite3 binary to load. Unset (the CLI, the browser host, the
 * tests): the one in node_modules, built for Node. The desktop app sets its
 * Electron build at start (main/desktop/native.ts explains why there are two).
 * A module setting, not an environment variable: shells the desktop app
 * starts in its terminals must not inherit it, or a `drillbook` typed there
 * would load Electron's binary into Node.
 */
let binding: string | null = null;

export function setSqliteBinding(file: string | null): void {
  binding = file;
}

export function sqliteBinding(): string | null {
  return binding;
}

/** better-sqlite3 constructor options, with `nativeBinding` when one is set. */
export function sqliteOpts<T extends object>(opts?: T): T & { nativeBinding?: string } {
  return (binding ? { ...opts, nativeBinding: binding } : { ...opts }) as T & { nativeBinding?: string };
}
