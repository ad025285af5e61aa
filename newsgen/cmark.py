"""CommonMark + GFM to HTML with cmarkgfm's C library, freeing what it allocates.

``cmarkgfm.github_flavored_markdown_to_html`` never frees the document tree it parses
nor the HTML string it renders: ~40 KB a 5 KB article, so a worker converting 50,000
articles (a 100,000-article archive on two cores) would grow by 2 GB. It also looks its
five extensions up by name on every call. Here the extensions are looked up once, and
the tree and the string are freed with cmark's own ``cmark_node_free`` and allocator,
which the module exports but its bindings do not wrap (reached through ctypes). Where
they cannot be reached, the library's function is used as it is.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

import cmarkgfm
from cmarkgfm import _cmark
from cmarkgfm.cmark import Options

# As github_flavored_markdown_to_html: these extensions, and <pre lang> for code blocks.
EXTENSIONS = ("table", "autolink", "tagfilter", "strikethrough", "tasklist")


class _Memory(ctypes.Structure):
    _fields_ = [("calloc", ctypes.c_void_p), ("realloc", ctypes.c_void_p),
                ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p))]


def gfm_converter(options: int) -> Callable[[str], str]:
    """A function rendering Markdown to HTML as ``github_flavored_markdown_to_html``
    does with ``options``."""
    def leaking(text: str) -> str:
        return str(cmarkgfm.github_flavored_markdown_to_html(text, options=options))

    try:
        library = ctypes.CDLL(_cmark.__file__)
        node_free = library.cmark_node_free
        allocator = library.cmark_get_default_mem_allocator
    except (OSError, AttributeError):
        return leaking
    node_free.argtypes = [ctypes.c_void_p]
    node_free.restype = None
    allocator.restype = ctypes.POINTER(_Memory)
    free = allocator().contents.free
    lib, ffi = _cmark.lib, _cmark.ffi
    lib.cmark_gfm_core_extensions_ensure_registered()
    extensions = [lib.cmark_find_syntax_extension(name.encode()) for name in EXTENSIONS]
    if any(extension == ffi.NULL for extension in extensions):
        return leaking
    flags = options | Options.CMARK_OPT_GITHUB_PRE_LANG

    def address(pointer: object) -> int:
        return int(ffi.cast("uintptr_t", pointer))

    def convert(text: str) -> str:
        data = text.encode()
        parser = lib.cmark_parser_new(flags)
        try:
            for extension in extensions:
                lib.cmark_parser_attach_syntax_extension(parser, extension)
            lib.cmark_parser_feed(parser, data, len(data))
            root = lib.cmark_parser_finish(parser)
            if lib.cmark_node_get_type(root) == lib.CMARK_NODE_NONE:
                raise ValueError("Error parsing markdown!")
            try:
                rendered = lib.cmark_render_html(
                    root, flags, lib.cmark_parser_get_syntax_extensions(parser))
                try:
                    return str(ffi.string(rendered).decode())
                finally:
                    free(address(rendered))
            finally:
                node_free(address(root))
        finally:
            lib.cmark_parser_free(parser)

    return convert
