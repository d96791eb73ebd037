"""What the API layer tells the passes about s2sad's own functions.

The passes sit below the API (ARCHITECTURE.md) and never import it, yet two of them
must recognise it: :mod:`~s2sad.transforms.nested` folds calls of ``s2sad.grad`` &
co. inside a function being differentiated, and :mod:`~s2sad.transforms.ops`
differentiates a function made by ``s2sad.grad`` through its plain stand-in.
:mod:`s2sad.api` fills :data:`API` when it is imported (before any derivative can be
requested); until then every field is empty and nothing is recognised.
"""

__all__ = ["API", "install"]


class _Api:
    """The registered API: ``builders`` maps ``s2sad.grad``, ``value_and_grad``,
    ``jacrev``, ``jacfwd`` and ``hessian`` to their names; ``jvp`` and ``vjp`` are
    ``s2sad.jvp``/``s2sad.vjp``; ``stand_in(transformed, api)`` returns the plain
    function a transformed function stands for; ``jvp_stand_in(f, n, has_aux)`` and
    ``vjp_stand_in(f, n, has_aux)`` build the stand-ins of a ``jvp``/``vjp`` call;
    ``modules`` are the module names of the API (its functions have no rules)."""

    def __init__(self):
        self.builders, self.jvp, self.vjp = {}, None, None
        self.stand_in = self.jvp_stand_in = self.vjp_stand_in = None
        self.modules = ()

    def builder(self, func):
        """The name of the transform builder ``func`` is, or None."""
        for obj, name in self.builders.items():
            if obj is func:
                return name
        return None


API = _Api()


def install(builders, jvp, vjp, stand_in, jvp_stand_in, vjp_stand_in, modules):
    """Register the API (called once, by :mod:`s2sad.api`)."""
    API.builders = {func: func.__name__ for func in builders}
    API.jvp, API.vjp, API.stand_in = jvp, vjp, stand_in
    API.jvp_stand_in, API.vjp_stand_in = jvp_stand_in, vjp_stand_in
    API.modules = tuple(modules)
