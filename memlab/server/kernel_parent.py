"""The process that starts every dashboard kernel of a `memlab dashboard` server, by forking itself.

Each visitor of the public dashboard gets a kernel. Started as a new Python, every kernel imports the same
~1 000 modules (ipykernel, numpy, ONNX Runtime, ipywidgets, memlab) into its own memory: 0.3 CPU-s and
28 MB of private memory per visitor just to start, ~45 MB once the dashboard's modules are in. This
process imports them once, then forks a child for each kernel: the child starts with those modules
already in memory, in pages it shares with this process and with every other kernel until it writes to
them (the operating system's copy-on-write). The training sets' search indexes and baselines are opened
here too, from the disk cache (``share_search_indexes``), so no kernel opens its own.
``python benchmarks/kernel.py`` measures both ways of starting.

How the server talks to it (``memlab.server.fork_provisioner``, the server's side): one JSON line per kernel on
this process's standard input, ``{"argv": [...], "env": {...}, "cwd": "..."}`` (the kernel's command line
after ``-m memlab.server.dashboard_kernel``, its environment and folder, as jupyter_client would have started
it), answered by one line on its standard output: ``{"pid": N}`` or ``{"error": "..."}``.

A child becomes the kernel exactly as ``python -m memlab.server.dashboard_kernel`` would: its own session (so
the server's signals reach it and its subprocesses, not this process), its own environment and folder,
then ``memlab.server.dashboard_kernel.main()``. It ends with its parent: ipykernel's parent poller stops a kernel
whose parent process is gone, and this process ends when the server closes its standard input (the server
stopped, or was killed). The kernels' exit statuses are not kept (``SIGCHLD`` is ignored, so the system
removes an ended child at once); the server sees a kernel end by its process being gone.
"""

import gc
import json
import os
import signal
import sys
import traceback

# What every dashboard kernel imports before its first message is answered, and while its dashboard is
# drawn and warmed (memlab.dashboard.widgets.warm): found with `python -X importtime` in a dashboard kernel. A
# module imported here is never imported again by a kernel; one left out is simply imported by each.
PRELOAD = (
    "numpy",
    "onnxruntime",
    "zmq",
    "tornado",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipywidgets",
    "PIL.Image",
    "PIL.PngImagePlugin",
    "numpy.ma",
    "memlab.dashboard.app",
    "memlab.judgement",
    "memlab.judging.nearest",
    "memlab.models.onnx_models",
    "memlab.judging.search",
    "memlab.dashboard.widgets.warm",
    "memlab.server.dashboard_kernel",
)
# Imported modules that set themselves up in a kernel only when imported inside one: here they were
# imported before any kernel existed, so the kernel loads them as IPython extensions, which does the same
# (ipywidgets registers the comm targets the page opens to fetch and change the widgets).
KERNEL_EXTENSIONS = ("ipywidgets",)


# Where the shared search indexes were read from: a kernel asked to run with other folders forgets them.
WHERE_DATA_LIVES = ("MEMLAB_DATA", "MEMLAB_CACHE", "XDG_CACHE_HOME", "HOME")


def preload():
    """Import ``PRELOAD`` (without ipykernel's debugger, as ``memlab.server.dashboard_kernel`` runs) and open the
    search indexes (``share_search_indexes``), then keep the garbage collector off these objects: a
    collection in a kernel would otherwise write to every page holding one of them, and each kernel would
    end up with its own copy of those pages."""
    import importlib

    sys.modules["debugpy"] = None
    for name in PRELOAD:
        importlib.import_module(name)
    os.environ["MEMLAB_OFFLINE"] = "1"  # this process never downloads (each kernel gets the server's environment)
    share_search_indexes()
    gc.collect()
    gc.freeze()


def share_search_indexes() -> list[str]:
    """Open, for every trained model, what its first click reads from the disk cache (its training set's
    search index and its baselines), as every kernel's warm-up would: the kernels find them already open
    (``memlab.zoo.open``). Each kernel would otherwise spend on them (sorting the index's rows by class,
    reading the baselines) 0.06-0.07 CPU-s and 7.8 MB of its own memory once its visitor has picked every
    model (``python benchmarks/kernel.py``).
    The index's arrays stay memory maps of the cache's files: nothing is read here that a kernel would
    not read. Only what is stored is opened (``memlab dashboard`` runs ``memlab prepare`` before starting
    the server); a model whose entries are not (or whose data is missing) is skipped, and each kernel
    opens it itself as before. Returns the models opened."""
    from memlab import zoo
    from memlab.data import disk_cache
    from memlab.judging.baseline import baseline_distances
    from memlab.judging.nearest import SCOPES
    from memlab.models.registry import GENERATORS

    opened = []
    for model_id in GENERATORS:
        try:
            with disk_cache.only_what_is_stored():
                model = zoo.open(model_id, "onnx")  # the engine of the dashboard's kernels (notebooks/dashboard.ipynb)
                if not model.is_trained:
                    continue
                for scope in SCOPES:  # read from the disk cache only: no classifier is needed to read them
                    baseline_distances(model.saw, scope, classifier=None)
        except Exception:  # not prepared, no data, a broken file: the kernel's business
            continue
        opened.append(model_id)
    return opened


def forget_shared_indexes():
    """In a kernel whose data or cache folders are not this process's: drop what was opened from them."""
    from memlab import zoo
    from memlab.judging import training_set

    zoo.open.cache_clear()
    training_set.whole_split.cache_clear()  # (memlab.data.datasets's own cache is keyed by the folder)
    training_set.data_key.cache_clear()


def become_kernel(request: dict, protocol_fds=()):
    """In a forked child: start the kernel that ``request`` describes; never returns."""
    code = 1
    try:
        for fd in protocol_fds:
            os.close(fd)
        os.setsid()
        for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        os.chdir(request.get("cwd") or os.getcwd())
        shared_from = [os.environ.get(name) for name in WHERE_DATA_LIVES]
        os.environ.clear()
        os.environ.update(request["env"])
        if shared_from != [os.environ.get(name) for name in WHERE_DATA_LIVES]:
            forget_shared_indexes()
        # ipykernel ends a kernel whose parent has ended. It reads the parent from $JPY_PARENT_PID when
        # ipykernel is imported, which was in this process before the fork: so it is given on the command line.
        parent = str(os.getppid())
        os.environ["JPY_PARENT_PID"] = parent
        sys.argv = [
            "memlab.server.dashboard_kernel",
            *request["argv"],
            f"--IPKernelApp.parent_handle={parent}",
            *(f"--IPKernelApp.extensions={name}" for name in KERNEL_EXTENSIONS),
        ]
        from memlab.server import dashboard_kernel

        dashboard_kernel.main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def fork_kernel(request: dict, protocol_fds) -> int:
    """Fork a child that becomes the kernel of ``request``; returns its process id."""
    if not isinstance(request.get("argv"), list) or not isinstance(request.get("env"), dict):
        raise ValueError("a request holds argv (a list) and env (a mapping)")
    pid = os.fork()
    if pid == 0:
        become_kernel(request, protocol_fds)
    return pid


def serve(requests, replies, protocol_fds):
    """Answer each request line with the started kernel's pid, until the server closes ``requests``."""
    for line in requests:
        try:
            reply = {"pid": fork_kernel(json.loads(line), protocol_fds)}
        except Exception as err:  # a bad request or a refused fork: say so, and keep serving
            reply = {"error": f"{type(err).__name__}: {err}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main():
    # The protocol gets its own descriptors; the kernels' standard input is empty and their standard
    # output is this process's standard error (the server's log), as for a kernel started directly.
    requests_fd, replies_fd = os.dup(0), os.dup(1)
    with open(os.devnull, "rb") as empty:
        os.dup2(empty.fileno(), 0)
    os.dup2(2, 1)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended kernels are removed by the system, never zombies
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal: the server stops us
    requests, replies = os.fdopen(requests_fd, "r"), os.fdopen(replies_fd, "w")
    try:
        preload()
        replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    except Exception as err:  # a broken install: the server starts its kernels the ordinary way
        replies.write(json.dumps({"error": f"preload failed: {type(err).__name__}: {err}"}) + "\n")
        replies.flush()
        return
    replies.flush()
    serve(requests, replies, (requests_fd, replies_fd))


if __name__ == "__main__":
    main()
