import type { ReactNode, SVGProps } from 'react';
import type { StepStatus } from '../../main/drill/model';

function Svg({ children, size = 16, ...rest }: SVGProps<SVGSVGElement> & { size?: number; children: ReactNode }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.5}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...rest}
    >
      {children}
    </svg>
  );
}

type P = { size?: number; className?: string };

export const CopyIcon = (p: P) => (
  <Svg {...p}>
    <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
    <path d="M10.5 5.5v-2a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h2" />
  </Svg>
);
export const CheckIcon = (p: P) => (
  <Svg {...p}>
    <path d="M3.5 8.5l3 3 6-7" />
  </Svg>
);
export const PlayIcon = (p: P) => (
  <Svg {...p}>
    <path d="M5 3.5v9l7-4.5z" fill="currentColor" stroke="none" />
  </Svg>
);
export const PauseIcon = (p: P) => (
  <Svg {...p}>
    <path d="M5.5 3.5v9M10.5 3.5v9" strokeWidth={2} />
  </Svg>
);
export const SkipIcon = (p: P) => (
  <Svg {...p}>
    <path d="M3.5 4l5 4-5 4zM12 4v8" />
  </Svg>
);
export const XIcon = (p: P) => (
  <Svg {...p}>
    <path d="M4 4l8 8M12 4l-8 8" />
  </Svg>
);
export const FlagIcon = (p: P) => (
  <Svg {...p}>
    <path d="M4 14V2.5M4 3h7.5l-1.5 3 1.5 3H4" />
  </Svg>
);
export const StopIcon = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="5.5" />
    <path d="M4.2 4.2l7.6 7.6" />
  </Svg>
);
export const FolderIcon = (p: P) => (
  <Svg {...p}>
    <path d="M2 4.5a1 1 0 0 1 1-1h3l1.5 1.5H13a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1z" />
  </Svg>
);
export const SearchIcon = (p: P) => (
  <Svg {...p}>
    <circle cx="7" cy="7" r="4" />
    <path d="M10 10l3.5 3.5" />
  </Svg>
);
export const SunIcon = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="2.8" />
    <path d="M8 1.5v1.5M8 13v1.5M1.5 8H3M13 8h1.5M3.4 3.4l1 1M11.6 11.6l1 1M3.4 12.6l1-1M11.6 4.4l1-1" />
  </Svg>
);
export const MoonIcon = (p: P) => (
  <Svg {...p}>
    <path d="M13 9.5A5.5 5.5 0 0 1 6.5 3a5.5 5.5 0 1 0 6.5 6.5z" />
  </Svg>
);
export const MonitorIcon = (p: P) => (
  <Svg {...p}>
    <rect x="2" y="3" width="12" height="8" rx="1" />
    <path d="M6 14h4M8 11v3" />
  </Svg>
);
export const KeyboardIcon = (p: P) => (
  <Svg {...p}>
    <rect x="1.5" y="4" width="13" height="8" rx="1.5" />
    <path d="M4 6.5h.01M6.5 6.5h.01M9 6.5h.01M11.5 6.5h.01M5 9.5h6" />
  </Svg>
);
export const AlertIcon = (p: P) => (
  <Svg {...p}>
    <path d="M8 2l6.5 11.5h-13z" />
    <path d="M8 6.5v3M8 11.5h.01" />
  </Svg>
);
export const InfoIcon = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6" />
    <path d="M8 7.5v3.5M8 5h.01" />
  </Svg>
);
export const ClockIcon = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6" />
    <path d="M8 4.5V8l2.5 1.5" />
  </Svg>
);
export const BookIcon = (p: P) => (
  <Svg {...p}>
    <path d="M3 2.5h7.5a2 2 0 0 1 2 2v9H5a2 2 0 0 1-2-2z" />
    <path d="M3 11.5a2 2 0 0 1 2-2h7.5" />
  </Svg>
);
export const HistoryIcon = (p: P) => (
  <Svg {...p}>
    <path d="M2.5 8a5.5 5.5 0 1 0 1.6-3.9" />
    <path d="M2.5 2.5v2.5H5M8 5v3l2 1.5" />
  </Svg>
);
export const DrillIcon = (p: P) => (
  <Svg {...p}>
    <circle cx="8" cy="9" r="5" />
    <path d="M8 9V6.5M6.5 2h3M12 4.5l1-1" />
  </Svg>
);
export const TeamIcon = (p: P) => (
  <Svg {...p}>
    <circle cx="6" cy="5.5" r="2.2" />
    <path d="M2 13c0-2.2 1.8-4 4-4s4 1.8 4 4" />
    <circle cx="11.5" cy="6" r="1.7" />
    <path d="M11 9.1c1.7.2 3 1.7 3 3.4" />
  </Svg>
);
export const RefreshIcon = (p: P) => (
  <Svg {...p}>
    <path d="M13 3v3.5H9.5" />
    <path d="M13 6.5A5.5 5.5 0 1 0 13.5 9" />
  </Svg>
);
export const NoteIcon = (p: P) => (
  <Svg {...p}>
    <path d="M3 2.5h10v8l-3 3H3z" />
    <path d="M10 13.5v-3h3M5.5 6h5M5.5 8.5h3" />
  </Svg>
);
export const GapIcon = (p: P) => (
  <Svg {...p}>
    <path d="M2 8h3M11 8h3M6.5 5l-1.5 6M11 5l-1.5 6" />
  </Svg>
);
export const ChevronIcon = (p: P) => (
  <Svg {...p}>
    <path d="M6 4l4 4-4 4" />
  </Svg>
);

/** The status glyph used in step lists and history. */
export function StepStatusIcon({ status, size = 16 }: { status: StepStatus; size?: number }) {
  switch (status) {
    case 'completed':
      return (
        <Svg size={size} className="st-icon st-completed">
          <circle cx="8" cy="8" r="6.5" fill="currentColor" stroke="none" />
          <path d="M5 8.2l2 2 4-4.4" stroke="var(--on-accent)" strokeWidth={1.8} />
        </Svg>
      );
    case 'running':
      return (
        <Svg size={size} className="st-icon st-running">
          <circle cx="8" cy="8" r="6.25" strokeWidth={1.5} opacity={0.35} />
          <path d="M8 1.75a6.25 6.25 0 0 1 6.25 6.25" strokeWidth={1.8} className="st-spin" />
          <circle cx="8" cy="8" r="2.2" fill="currentColor" stroke="none" />
        </Svg>
      );
    case 'skipped':
      return (
        <Svg size={size} className="st-icon st-skipped">
          <circle cx="8" cy="8" r="6.25" strokeDasharray="2.2 2" />
          <path d="M6 5.5l2.8 2.5L6 10.5M10.5 5.5v5" />
        </Svg>
      );
    case 'failed':
      return (
        <Svg size={size} className="st-icon st-failed">
          <circle cx="8" cy="8" r="6.5" fill="currentColor" stroke="none" />
          <path d="M5.6 5.6l4.8 4.8M10.4 5.6l-4.8 4.8" stroke="var(--on-accent)" strokeWidth={1.8} />
        </Svg>
      );
    default:
      return (
        <Svg size={size} className="st-icon st-pending">
          <circle cx="8" cy="8" r="6.25" />
        </Svg>
      );
  }
}
