"""L-BFGS, as ``torch.optim.LBFGS``, with its optional strong-Wolfe line search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from ..errors import DTypeError
from ..ops.manipulation import reshape
from ..ops.products import dot
from ..ops.statistical import max as _max
from ..ops.statistical import sum as _sum
from ..ops.unary import sqrt
from ..tensor import Tensor, _wrap
from .optimizer import Optimizer, ParamsT, _as_float, _check_nonnegative

__all__ = ["LBFGS"]

Scalar = float | Tensor
"""A Python float or a 0-d tensor: as in PyTorch, the algorithm's scalars are 0-d
tensors of the parameters' dtype where they come from tensors (dot products) and
Python floats where they come from the loss or the settings."""


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal, 1980; the algorithm of minFunc): PyTorch's
    ``torch.optim.LBFGS``, with its defaults, iteration, stopping tests and strong-Wolfe
    line search.  ``step(closure)`` needs a closure that clears the gradients,
    recomputes the loss, calls ``backward()`` and returns the loss; it may call it up
    to ``max_eval`` times.

    One step runs up to ``max_iter`` iterations on the parameters flattened into one
    vector ``x`` with gradient ``g`` (the history: the last ``history_size`` pairs
    ``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k`` with ``y.s > 1e-10``)::

        d = -H g          (two-loop recursion over the history, H_0 = (y.s / y.y) I;
                           the first iteration of all uses d = -g)
        t = min(1, 1 / sum|g|) * lr on the very first iteration, else lr
        stop if g.d > -tolerance_change
        x = x + t d       (t from the strong-Wolfe line search when
                           line_search_fn="strong_wolfe": cubic interpolation,
                           c1 = 1e-4, c2 = 0.9, at most max_eval - evaluations tries)

    and stops after ``max_iter`` iterations or ``max_eval`` evaluations, or when
    ``max|g| <= tolerance_grad``, ``max|t d| <= tolerance_change`` or the loss changed
    by less than ``tolerance_change``.  Dot products are 0-d tensors of the parameters'
    dtype, as in PyTorch, so the same decisions are taken on every backend and as in
    PyTorch up to their rounding.

    Only one parameter group (``ValueError`` otherwise, as PyTorch), of one dtype
    (:class:`DTypeError`).  The state (in ``optimizer.state`` of the first parameter,
    with PyTorch's keys: ``func_evals``, ``n_iter``, ``d``, ``t``, ``old_dirs``,
    ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``) is
    saved and loaded by PyTorch's policy (see :meth:`Optimizer.load_state_dict`).
    Unlike the other optimizers it reads values on the host at every iteration (as
    PyTorch's does), so it does not run inside a compiled function.

    Args:
        params: parameters (one group).
        lr: learning rate (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient element is at most this
            (default 1e-7).
        tolerance_change: stop when the step or the loss changes by less (default 1e-9).
        history_size: the number of pairs kept (default 100).
        line_search_fn: ``None`` (fixed step ``lr``) or ``"strong_wolfe"``.

    Raises:
        ValueError: a negative lr, several parameter groups, or another line search.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = ut.sum((w - ut.tensor([3.0, 1.0])) ** 2)
        ...     loss.backward()
        ...     return loss
        >>> float(opt.step(closure))  # the loss before the step
        13.0
        >>> w.numpy().round(4)  # the minimum
        array([3., 1.], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = None  # saved by PyTorch's policy

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]
        if len({p._d for p in self._params}) > 1:
            raise DTypeError("LBFGS: all parameters must have one dtype, got "
                             f"{sorted({p._d.name for p in self._params})}")

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Only the group made by the constructor: a second raises ``ValueError``.

        Example:
            >>> opt = ut.optim.LBFGS([ut.nn.Parameter(ut.zeros(2))])
            >>> opt.add_param_group({"params": [ut.nn.Parameter(ut.zeros(1))]})
            Traceback (most recent call last):
            ...
            ValueError: LBFGS doesn't support per-parameter options (parameter groups)
        """
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # -- the flat vector of all parameters ----------------------------------------------

    def _flat_grad(self) -> Tensor:
        bk = self._backend
        views = []
        for p in self._params:
            g = bk.get_grad(p._n)
            if g is None:
                g = bk.full(bk.shape(p._n), 0.0, p._d, bk.device(p._n))
            views.append(bk.reshape(g, (-1,)))
        return _wrap(type(self._params[0]), bk.concat(views, 0), self._params[0]._d)

    def _add_to_params(self, step: Scalar, update: Tensor) -> None:
        """``p += step * update[slice of p]`` for each parameter (``step`` a number)."""
        bk = self._backend
        alpha = float(step)
        offset = 0
        for p in self._params:
            n = 1
            for s in p.shape:
                n *= s
            part = reshape(update[offset:offset + n], p.shape)
            p._n = bk.assign(p._n, bk.add(p._n, bk.multiply(part._n, _scalar(bk, alpha, p))))
            offset += n

    def _copy_params(self) -> list[Any]:
        bk = self._backend
        return [bk.copy(p._n) for p in self._params]

    def _set_params(self, values: list[Any]) -> None:
        bk = self._backend
        for p, v in zip(self._params, values):
            p._n = bk.assign(p._n, v)

    def _evaluate(self, closure: Callable[[], Any], x: list[Any], t: Scalar, d: Tensor
                  ) -> tuple[float, Tensor]:
        """The loss and flat gradient at ``x + t d``; the parameters are put back to
        ``x``."""
        self._add_to_params(t, d)
        loss = float(_call(closure))
        flat_grad = self._flat_grad()
        self._set_params(x)
        return loss, flat_grad

    # -- the step -----------------------------------------------------------------------

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """One L-BFGS step (up to ``max_iter`` iterations); returns the closure's first
        loss, computed before the parameters changed.

        Example:
            >>> w = ut.nn.Parameter(ut.tensor([2.0]))
            >>> opt = ut.optim.LBFGS([w], lr=0.5)
            >>> def closure():
            ...     opt.zero_grad(); loss = ut.sum(w * w); loss.backward(); return loss
            >>> float(opt.step(closure))
            4.0
        """
        if closure is None:
            raise TypeError("LBFGS.step() needs a closure that recomputes the loss (and "
                            "calls backward()) and returns it")
        from ..autograd import no_grad

        self._opt_called = True
        with no_grad():
            return self._step(closure)

    def _step(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr = _as_float("lr", group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = _call(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if _max(abs(flat_grad)) <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = dot(y, s)
                if ys > 1e-10:  # keep the pair only with positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / dot(y, y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                # the two-loop recursion: d = -H g
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = dot(old_stps[i], q) * ro[i]
                    q = q + old_dirs[i] * _as_scalar(-al[i])
                r = q * _as_scalar(h_diag)
                for i in range(len(old_dirs)):
                    be_i = dot(old_dirs[i], r) * ro[i]
                    r = r + old_stps[i] * _as_scalar(al[i] - be_i)
                d = r
            prev_flat_grad = flat_grad
            prev_loss = loss
            if state["n_iter"] == 1:
                inverse = 1.0 / _sum(abs(flat_grad))
                t = (inverse if inverse < 1.0 else 1.0) * lr  # Python's min(1.0, inverse)
            else:
                t = lr
            gtd = dot(flat_grad, d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            evals = 0
            if line_search_fn is not None:
                x_init = self._copy_params()

                def objective(x: list[Any], step: Scalar, direction: Tensor
                              ) -> tuple[float, Tensor]:
                    return self._evaluate(closure, x, step, direction)

                loss, flat_grad, t, evals = _strong_wolfe(
                    objective, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_to_params(t, d)
                opt_cond = bool(_max(abs(flat_grad)) <= tolerance_grad)
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(_call(closure))
                    flat_grad = self._flat_grad()
                    opt_cond = bool(_max(abs(flat_grad)) <= tolerance_grad)
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _max(abs(d * t)) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss


def _call(closure: Callable[[], Any]) -> Any:
    """The closure run with gradients recorded (the step itself records nothing)."""
    from ..autograd import enable_grad

    with enable_grad():
        return closure()


def _scalar(bk: Any, value: float, like: Tensor) -> Any:
    """A Python float as a 0-d native of ``like``'s dtype and device."""
    return bk.full((), value, like._d, bk.device(like._n))


def _as_scalar(value: Scalar) -> Scalar:
    """A 0-d tensor used as PyTorch's ``alpha=``: the Python number it holds."""
    return float(value) if isinstance(value, Tensor) else value


def _cubic_interpolate(x1: Scalar, f1: Scalar, g1: Scalar, x2: Scalar, f2: Scalar,
                       g2: Scalar, bounds: tuple[Scalar, Scalar] | None = None) -> Scalar:
    """The minimizer of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes
    ``g1``, ``g2``, clipped to ``bounds`` (default: between ``x1`` and ``x2``); their
    midpoint when the cubic has no minimum (Nocedal & Wright, eq. 3.59)."""
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = sqrt(d2_square) if isinstance(d2_square, Tensor) else d2_square ** 0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(objective: Callable[[list[Any], Scalar, Tensor], tuple[float, Tensor]],
                  x: list[Any], t: Scalar, d: Tensor, f: float, g: Tensor, gtd: Tensor,
                  c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, Tensor, Scalar, int]:
    """A step ``t`` along ``d`` from ``x`` satisfying the strong Wolfe conditions
    (sufficient decrease ``f(t) <= f + c1 t g.d`` and curvature ``|g(t).d| <= -c2 g.d``):
    bracketing, then zooming by cubic interpolation (Nocedal & Wright, algorithms 3.5
    and 3.6, as minFunc and PyTorch implement them).  Returns the loss, flat gradient
    and ``t`` found, and the number of evaluations."""
    d_norm = _max(abs(d))
    f_new, g_new = objective(x, t, d)
    evals = 1
    gtd_new = dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[Scalar] = []
    bracket_f: list[float] = []
    bracket_g: list[Tensor] = []
    bracket_gtd: list[Scalar] = []
    # bracketing phase
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate, at least 1% further, at most 10 times as far
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new, gtd_new
        f_new, g_new = objective(x, t, d)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:  # reached the limit: bracket from the start
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # keep away from the bracket's ends (minFunc's safeguard)
        hi_end, lo_end = max(bracket), min(bracket)
        eps = 0.1 * (hi_end - lo_end)
        if min(hi_end - t, t - lo_end) < eps:
            if insufficient_progress or t >= hi_end or t <= lo_end:
                t = hi_end - eps if abs(t - hi_end) < abs(t - lo_end) else lo_end + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = objective(x, t, d)
        evals += 1
        gtd_new = dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals
