/**
 * Questions for the operator raised while connecting (host key, password,
 * passphrase, keyboard-interactive), asked through the UI as events and
 * answered through the API. An unanswered question is given up on after a
 * while so a forgotten dialog cannot hold a connection attempt forever.
 *
 * Answers are handed to the waiting connection attempt and not kept: the
 * broker forgets a question, and its answer, as soon as it is answered.
 */
import { badRequest, notFound } from '../common/errors';
import { newId } from '../common/ids';
import type { PromptAnswer, PromptInfo } from './types';

export const PROMPT_TIMEOUT_MS = 5 * 60_000;

interface Pending {
  info: PromptInfo;
  resolve: (answer: PromptAnswer | null) => void;
  timer: NodeJS.Timeout;
}

export class PromptBroker {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly publish: (prompt: PromptInfo, state: 'open' | 'closed') => void,
    private readonly timeoutMs = PROMPT_TIMEOUT_MS,
  ) {}

  /** Asks; resolves with the answer, or null when cancelled, timed out or withdrawn. */
  ask(question: Omit<PromptInfo, 'promptId' | 'expiresAt'>): Promise<PromptAnswer | null> {
    const info: PromptInfo = { ...question, promptId: newId('p'), expiresAt: new Date(Date.now() + this.timeoutMs).toISOString() };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(info.promptId, null), this.timeoutMs);
      timer.unref();
      this.pending.set(info.promptId, { info, resolve, timer });
      this.publish(info, 'open');
    });
  }

  answer(promptId: string, answer: PromptAnswer): void {
    const p = this.pending.get(promptId);
    if (!p) throw notFound('that question is no longer open (it was answered, withdrawn or timed out)');
    if (p.info.kind === 'hostkey' && answer.accept === undefined && !answer.cancel) throw badRequest('a host key question is answered with accept: true or false');
    if (p.info.kind !== 'hostkey' && !answer.cancel) {
      const expected = p.info.kind === 'keyboard-interactive' ? (p.info.prompts?.length ?? 0) : 1;
      if (!answer.values || answer.values.length !== expected) throw badRequest(`expected ${expected} answer${expected === 1 ? '' : 's'}`);
    }
    this.settle(promptId, answer);
  }

  /** Withdraws every question of a terminal (it was closed). */
  withdraw(terminalId: string): void {
    for (const [id, p] of this.pending) if (p.info.terminalId === terminalId) this.settle(id, null);
  }

  open(terminalId?: string): PromptInfo[] {
    return [...this.pending.values()].map((p) => p.info).filter((i) => terminalId === undefined || i.terminalId === terminalId);
  }

  private settle(promptId: string, answer: PromptAnswer | null): void {
    const p = this.pending.get(promptId);
    if (!p) return;
    this.pending.delete(promptId);
    clearTimeout(p.timer);
    this.publish(p.info, 'closed');
    p.resolve(answer);
  }
}
