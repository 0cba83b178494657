"""The public dashboard server: Voila for many visitors at once, hardened against hostile ones.

``serve`` (the server and its settings), ``template`` (the page's offline Voila template), ``places``
(kernels per address and in all), ``kernel_socket`` and ``frames`` (what a page may send its kernel),
``dashboard_kernel``, ``kernel_parent`` and ``fork_provisioner`` (kernels forked from one warm process).

May import: ``memlab.models`` and the layers below, and names the dashboard by its module path only
(``memlab.dashboard.app``, preloaded by the kernel parent).
"""
