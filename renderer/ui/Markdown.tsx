import { useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { renderMarkdown, type CodeSlot } from './markdown';
import { CodeBlock } from './CodeBlock';

export interface MarkdownProps {
  source: string;
  className?: string;
  /**
   * Extra controls for a code block's header (the slot for a future "Run"
   * button), and an optional caption (target, name).
   */
  codeActions?: (block: CodeSlot) => ReactNode;
  codeCaption?: (block: CodeSlot) => ReactNode;
  /** The text to show and copy for a block, when it differs from the source (a drill's filled-in variables). */
  codeText?: (block: CodeSlot) => string | undefined;
  testId?: string;
}

/**
 * Rendered markdown. The HTML comes from markdown-it with raw HTML disabled;
 * code blocks are React components portalled into their placeholders.
 */
export function Markdown({ source, className, codeActions, codeCaption, codeText, testId = 'markdown' }: MarkdownProps) {
  const { html, blocks } = useMemo(() => renderMarkdown(source), [source]);
  const ref = useRef<HTMLDivElement>(null);
  const [slots, setSlots] = useState<{ html: string; nodes: HTMLElement[] }>({ html: '', nodes: [] });

  useLayoutEffect(() => {
    const nodes = ref.current ? [...ref.current.querySelectorAll<HTMLElement>('[data-code-index]')] : [];
    setSlots({ html, nodes });
  }, [html]);

  return (
    <div className={`md ${className ?? ''}`} data-testid={testId}>
      <div ref={ref} key={html} dangerouslySetInnerHTML={{ __html: html }} />
      {slots.html === html
        ? slots.nodes.map((node) => {
            const block = blocks[Number(node.dataset.codeIndex)];
            if (!block) return null;
            return createPortal(
              <CodeBlock
                lang={block.lang}
                text={codeText?.(block) ?? block.text}
                caption={codeCaption?.(block)}
                actions={codeActions?.(block)}
              />,
              node,
              `code-${block.index}`,
            );
          })
        : null}
    </div>
  );
}
