/** Which runbook block a rendered code block is (pure; no imports, so Node tests load it as it is). */

/** What these functions need of a rendered code block (ui/markdown.ts CodeSlot). */
export interface SlotLike {
  fence: number | null;
  lang: string;
}

/** What they need of a runbook step (main/runbook/model.ts Step). */
export interface StepLike {
  commands: readonly { lang: string; text: string }[];
}

/**
 * The runbook block behind a rendered code block, by position: the step's
 * n-th fenced block is its n-th command (indented blocks are not commands).
 * Never by text: a drill's blocks have their variables filled in, so their
 * text differs from the markdown's. -1 when the two do not line up.
 */
export function blockIndexOf(step: StepLike | undefined, slot: SlotLike): number {
  if (!step || slot.fence === null) return -1;
  const block = step.commands[slot.fence];
  return block && block.lang === slot.lang ? slot.fence : -1;
}

/** The text a drill shows and copies for a code block: the block as the drill started with it (variables filled in). */
export function blockText(step: StepLike | undefined, slot: SlotLike): string | undefined {
  const i = blockIndexOf(step, slot);
  return i < 0 ? undefined : step!.commands[i]!.text;
}

