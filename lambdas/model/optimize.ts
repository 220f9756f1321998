/**
 * A deterministic, box-bounded quasi-Newton minimiser (BFGS with a backtracking Armijo line search,
 * Nocedal & Wright 2006, Algorithms 6.1 and 3.1), for maximum-likelihood fits on log-scale parameters.
 * Gradients are the caller's (analytic) or central differences. No randomness: the same input gives
 * the same iterates.
 */

export interface MinimizeOptions {
  /** Analytic gradient; central differences (step 1e-6 · max(1, |x|)) when absent. */
  readonly gradient?: (x: readonly number[]) => number[];
  /** Per-coordinate box; iterates are projected into it. @default ±30 (log-scale parameters) */
  readonly lower?: readonly number[];
  readonly upper?: readonly number[];
  /** @default 500 */
  readonly maxIterations?: number;
  /** Converged when the projected gradient's max-norm falls below this. @default 1e-6 */
  readonly gradientTolerance?: number;
  /** Or when f changes by less than this (relative) over an iteration. @default 1e-12 */
  readonly valueTolerance?: number;
}

export interface MinimizeResult {
  readonly x: number[];
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Why it stopped, in words (for the run record). */
  readonly message: string;
}

const DEFAULT_BOUND = 30;

function numericGradient(f: (x: readonly number[]) => number, x: readonly number[]): number[] {
  return x.map((xi, i) => {
    const h = 1e-6 * Math.max(1, Math.abs(xi));
    const up = [...x];
    const down = [...x];
    up[i] = xi + h;
    down[i] = xi - h;
    return (f(up) - f(down)) / (2 * h);
  });
}

const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, ai, i) => s + ai * (b[i] ?? 0), 0);

/** Minimises `f` from `x0`; never returns a non-finite x (a non-finite f is treated as +∞ by the line search). */
export function minimize(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const n = x0.length;
  const lower = options.lower ?? x0.map(() => -DEFAULT_BOUND);
  const upper = options.upper ?? x0.map(() => DEFAULT_BOUND);
  const project = (x: readonly number[]): number[] =>
    x.map((xi, i) => Math.min(upper[i] as number, Math.max(lower[i] as number, xi)));
  const value = (x: readonly number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  const gradientOf = options.gradient ?? ((x: readonly number[]) => numericGradient(f, x));
  const maxIterations = options.maxIterations ?? 500;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const valueTolerance = options.valueTolerance ?? 1e-12;

  let x = project(x0);
  let fx = value(x);
  if (!Number.isFinite(fx)) {
    return { x, value: fx, iterations: 0, converged: false, message: 'objective is not finite at the start' };
  }
  let g = gradientOf(x);
  // Inverse Hessian approximation, starting from the identity.
  let h: number[][] = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );

  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Projected gradient: components pushing against an active bound do not count.
    const projected = g.map((gi, i) =>
      (x[i] === lower[i] && gi > 0) || (x[i] === upper[i] && gi < 0) ? 0 : gi,
    );
    if (Math.max(...projected.map(Math.abs)) < gradientTolerance) {
      return {
        x,
        value: fx,
        iterations: iteration - 1,
        converged: true,
        message: 'gradient below tolerance',
      };
    }
    let direction = h.map((row) => -dot(row, projected));
    if (dot(direction, projected) >= 0) {
      // Not a descent direction (curvature lost): restart from steepest descent.
      h = h.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
      direction = projected.map((gi) => -gi);
    }
    let step = 1;
    let next = project(x.map((xi, i) => xi + step * (direction[i] as number)));
    let fNext = value(next);
    const slope = dot(projected, direction);
    while (fNext > fx + 1e-4 * step * slope && step > 1e-16) {
      step /= 2;
      next = project(x.map((xi, i) => xi + step * (direction[i] as number)));
      fNext = value(next);
    }
    if (!(fNext <= fx)) {
      return {
        x,
        value: fx,
        iterations: iteration,
        converged: false,
        message: 'line search found no decrease',
      };
    }
    const gNext = gradientOf(next);
    const s = next.map((xi, i) => xi - (x[i] as number));
    const y = gNext.map((gi, i) => gi - (g[i] as number));
    const sy = dot(s, y);
    const change = Math.abs(fx - fNext) / Math.max(1, Math.abs(fx));
    x = next;
    fx = fNext;
    g = gNext;
    if (change < valueTolerance) {
      return {
        x,
        value: fx,
        iterations: iteration,
        converged: true,
        message: 'objective change below tolerance',
      };
    }
    if (sy > 1e-12) {
      // BFGS update of the inverse Hessian (Nocedal & Wright eq. 6.17).
      const rho = 1 / sy;
      const hy = h.map((row) => dot(row, y));
      const yhy = dot(y, hy);
      h = h.map((row, i) =>
        row.map(
          (hij, j) =>
            hij -
            rho * ((hy[i] as number) * (s[j] as number) + (s[i] as number) * (hy[j] as number)) +
            (rho * rho * yhy + rho) * (s[i] as number) * (s[j] as number),
        ),
      );
    }
  }
  return {
    x,
    value: fx,
    iterations: maxIterations,
    converged: false,
    message: `no convergence in ${maxIterations} iterations`,
  };
}
