"""AST utilities every layer above the runtime shares (a base layer, like
:mod:`s2sad.errors`): a fast :func:`~s2sad.syntax.astwalk.walk` over gast trees and
node annotations (:mod:`~s2sad.syntax.annotations`).  Imports nothing from s2sad."""
