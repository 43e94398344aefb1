/** The drawn width of a node (styles.css `.pb-node`); layout and fit use it before the browser has measured one. */
export const NODE_WIDTH = 220;
