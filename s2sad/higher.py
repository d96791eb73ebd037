"""Differentiable stand-ins for s2sad's own transforms (higher-order derivatives).

``grad(grad(f))`` must differentiate the *generated* gradient of ``f``, not
the API wrapper around it (argument checks, finalisation).  :func:`shim`
writes a small Python function, with source on disk, that calls the generated
code and returns what the wrapper returns::

    def grad_f(x, y):
        value, g = df_dx(x, y)
        return g

s2sad then differentiates it like any user function: the call to ``df_dx``
is differentiated through its source, tape operations and runtime helpers
included (each has rules of its own).
"""
import inspect

from . import codegen
from .naming import Namer

_TEMPLATE = '''def {name}({params}):
    {target} = {inner}({call})
    return {result}
'''


def _signature_text(fun, namespace):
    """``(params, call)`` source text reproducing ``fun``'s signature."""
    params, call = [], []
    star = False
    for p in inspect.signature(fun).parameters.values():
        text = p.name
        if p.kind == p.VAR_POSITIONAL:
            text, star = "*" + p.name, True
            call.append("*" + p.name)
        elif p.kind == p.VAR_KEYWORD:
            text = "**" + p.name
            call.append("**" + p.name)
        elif p.kind == p.KEYWORD_ONLY:
            if not star:
                params.append("*")
                star = True
            call.append("%s=%s" % (p.name, p.name))
        else:
            call.append(p.name)
        if p.default is not p.empty:
            default = "_default_" + p.name
            namespace[default] = p.default
            text += "=" + default
        params.append(text)
    return ", ".join(params), ", ".join(call)


def shim(wrapper):
    """A plain, differentiable function equal to s2sad transform ``wrapper``."""
    cached = getattr(wrapper, "__s2sad_shim__", None)
    if cached is not None:
        return cached
    made = _make_shim(wrapper)
    wrapper.__s2sad_shim__ = made
    return made


def _make_shim(wrapper):
    from .compiler import derivative
    info = wrapper.__s2sad_transform__
    api, fun, has_aux = info["api"], info["fun"], info["has_aux"]
    if api not in ("grad", "value_and_grad"):
        raise TypeError("differentiating s2sad.%s is not supported; differentiate s2sad.grad "
                        "or s2sad.value_and_grad, or write the function out" % api)
    argnums = info["argnums"]
    single = not isinstance(argnums, (tuple, list))
    positional = [p for p in inspect.signature(fun).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    nums = (argnums,) if single else tuple(argnums)
    wrt = tuple(i % len(positional) for i in nums)
    inner = derivative(fun, "grad", wrt, has_aux)
    namespace = {inner.name: inner.function}
    params, call = _signature_text(fun, namespace)
    grads = "g" if single or len(wrt) > 1 else "(g,)"
    target = "(value, aux), g" if has_aux else "value, g"
    if api == "grad":
        result = grads + (", aux" if has_aux else "")
    else:
        result = ("(value, aux), " if has_aux else "value, ") + grads
    name = Namer(set(namespace) | {p.name for p in positional}).unique(
        "%s_%s" % (api, fun.__name__))
    source = '"""s2sad.%s of %s, as a function s2sad can differentiate."""\n\n\n' % (
        api, fun.__qualname__) + _TEMPLATE.format(
        name=name, params=params, target=target, inner=inner.name, call=call, result=result)
    module = codegen.load(source, "%s__%s" % (fun.__module__ or "fn", name), namespace)
    return getattr(module, name)
