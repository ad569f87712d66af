/** The checkout's root folder, for tests that start its programs or read its files. */
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
