/**
 * The binary frame the WebSocket host sends terminal output in (JSON stays
 * for control messages): one type byte, the terminal id's length and ASCII
 * bytes, then the payload, unchanged.
 *
 *   [0x01][idLen][id …][payload …]
 *
 * An empty payload means "reset": the terminal's scrollback follows from
 * the transcript (a re-attaching viewer), so the viewer clears its screen
 * first. Output itself is never empty. Electron IPC uses the same rule.
 *
 * The renderer decodes the same layout (renderer/terminal/frames.ts).
 */
export const FRAME_OUTPUT = 0x01;

export function encodeFrame(terminalId: string, payload: Uint8Array): Buffer {
  const id = Buffer.from(terminalId, 'latin1');
  if (id.length > 255) throw new Error('terminal id too long for a frame');
  const frame = Buffer.allocUnsafe(2 + id.length + payload.length);
  frame[0] = FRAME_OUTPUT;
  frame[1] = id.length;
  id.copy(frame, 2);
  frame.set(payload, 2 + id.length);
  return frame;
}

export function decodeFrame(frame: Uint8Array): { type: number; terminalId: string; payload: Uint8Array } | null {
  if (frame.length < 2) return null;
  const idLen = frame[1]!;
  if (frame.length < 2 + idLen) return null;
  return {
    type: frame[0]!,
    terminalId: Buffer.from(frame.buffer, frame.byteOffset + 2, idLen).toString('latin1'),
    payload: frame.subarray(2 + idLen),
  };
}
