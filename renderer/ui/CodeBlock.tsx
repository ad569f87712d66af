import { useEffect, useRef, useState, type ReactNode } from 'react';
import { CopyIcon, CheckIcon } from './Icons';

export interface CodeBlockProps {
  lang: string;
  text: string;
  /** Shown in the header beside the language (e.g. target host, block name). */
  caption?: ReactNode;
  /** Extra header buttons: the slot for a future "Run" button. */
  actions?: ReactNode;
}

async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below */
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

export function CodeBlock({ lang, text, caption, actions }: CodeBlockProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef(0);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const onCopy = async () => {
    const ok = await copyText(text);
    setState(ok ? 'copied' : 'failed');
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 1600);
  };

  return (
    <div className="code-block" data-testid="code-block" data-lang={lang || undefined}>
      <div className="code-head">
        <span className="code-lang">{lang || 'text'}</span>
        {caption ? <span className="code-caption">{caption}</span> : null}
        <span className="code-actions">
          {actions}
          <button
            type="button"
            className={`code-copy ${state === 'copied' ? 'is-copied' : ''}`}
            data-testid="copy-code"
            onClick={onCopy}
            aria-label="Copy code to clipboard"
          >
            {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
            <span>{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
          </button>
        </span>
      </div>
      <pre>
        <code>{text}</code>
      </pre>
    </div>
  );
}
