/**
 * A uPlot chart as a React component: created once per options object,
 * data swapped in place, sized to its container. uPlot draws on canvas,
 * which is what keeps thousands of drills on one chart fast.
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  /** Options without width/height: the chart takes its container's width. */
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
  testId: string;
  /** Called once the chart has drawn (for render timing). */
  onDrawn?: () => void;
  ariaLabel: string;
}

export function Chart({ options, data, height, testId, onDrawn, ariaLabel }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const drawn = useRef(onDrawn);
  // The latest callback, set after render (a ref is not written during render) and before the chart's effect below.
  useLayoutEffect(() => {
    drawn.current = onDrawn;
  });

  // Before the browser paints: the page appears once, with its charts, instead of painting twice.
  useLayoutEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(320, el.clientWidth);
    const u = new uPlot({ ...options, width, height }, data, el);
    performance.mark(`drillbook:chart:${testId}`);
    plot.current = u;
    drawn.current?.();
    const ro = new ResizeObserver(() => {
      const w = Math.max(320, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Data changes are handled below without rebuilding the chart.
    // eslint-disable-next-line react-hooks/exhaustive-deps -- options/data are read once here; the effect below updates data
  }, [options, height, testId]);

  useEffect(() => {
    if (plot.current && plot.current.data !== data) plot.current.setData(data);
  }, [data]);

  return <div className="hist-chart" ref={host} data-testid={testId} role="img" aria-label={ariaLabel} />;
}

/** Theme colours for canvas drawing (canvas cannot read CSS variables itself). */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}
