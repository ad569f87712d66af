/**
 * Terminal flow-control constants, shared by the core's FlowControl
 * (main/terminal/flow.ts, which explains them and how they were measured)
 * and the renderer's acknowledgements (renderer/terminal/hub.ts), which had
 * a hand-made copy of the ack size.
 */
export const FLOW_HIGH_WATERMARK = 2_000_000;
export const FLOW_LOW_WATERMARK = 500_000;
/** The renderer acknowledges at least this many bytes at a time (as VS Code). */
export const FLOW_ACK_SIZE = 5_000;
