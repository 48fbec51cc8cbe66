"""The Dask map and the worker cache: independent tasks on a Dask cluster, each worker with its own
Cython cache seeded with the modules compiled here. Used by the atlas, the fitter and the grader.

Dask (``distributed``) is optional: imported inside :func:`dask_map`, with a clear error when missing.
"""

from __future__ import annotations

import os
import re
import shutil

__all__ = ["dask_map", "worker_cache_dir", "compiled_modules"]


def compiled_modules(net) -> list:
    """Paths of the compiled extension modules (``.so``) the objects of ``net`` ran."""
    paths = set()
    todo, seen = list(net.objects), set()
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        todo.extend(getattr(obj, "contained_objects", []) or [])
        for co in getattr(obj, "_code_objects", []) or []:
            for mod in (getattr(co, "compiled_code", None) or {}).values():
                f = getattr(mod, "__file__", None)
                if f:
                    paths.add(os.path.abspath(f))
    # Modules loaded outside the network (Brian2's check that Cython works
    # compiles a small module of its own) live in the same cache directory.
    try:
        from brian2.codegen.runtime.cython_rt.extension_manager import cython_extension_manager

        dirs = {os.path.dirname(x) for x in paths}
        for mod in list(getattr(cython_extension_manager, "_code_cache", {}).values()):
            f = getattr(mod, "__file__", None)
            if f and os.path.dirname(os.path.abspath(f)) in dirs:
                paths.add(os.path.abspath(f))
    except ImportError:  # pragma: no cover
        pass
    return sorted(paths)



def worker_cache_dir(worker_name, base=None) -> str:
    """The Cython cache directory of the Dask worker called ``worker_name``.

    One directory per worker (named after the worker, so a restarted worker
    finds its compiled code again), so that workers never share or lock each
    other's cache, even when home directories are shared across machines.
    """
    if base is None:
        try:
            from Cython.Build.Cache import get_cython_cache_dir
        except ImportError:  # pragma: no cover - older Cython
            from Cython.Utils import get_cython_cache_dir
        base = os.path.join(get_cython_cache_dir(), "izh_brian_dask")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(worker_name)).strip("_") or "worker"
    return os.path.join(os.path.expanduser(base), f"worker-{safe}")


def _cache_plugin(base, seed_modules=()):
    from distributed import WorkerPlugin

    class IzhCythonCache(WorkerPlugin):
        """Point the worker's Brian2 Cython cache at its own directory.

        Compiled modules that the client already has (``seed_modules``, when
        the worker can see those files: same machine or shared disk) are
        copied in, so a fresh worker does not compile them again; a module's
        file name is the hash of its code, Python, Cython and numpy, so a
        copy is only ever picked up by an identical build.
        """

        name = "izh-brian-cython-cache"

        def __init__(self, base, seed_modules):
            self.base = base
            self.seed_modules = list(seed_modules)

        def setup(self, worker):
            # Imported here, in the worker: the plugin travels to it by value (cloudpickle), and a
            # module-level ``prefs`` would travel along as a copy instead of the worker's own.
            from brian2 import prefs

            path = worker_cache_dir(worker.name, self.base)
            os.makedirs(path, exist_ok=True)
            for src in self.seed_modules:
                dst = os.path.join(path, os.path.basename(src))
                if os.path.isfile(src) and not os.path.exists(dst):
                    tmp = f"{dst}.{os.getpid()}.tmp"
                    try:
                        shutil.copy2(src, tmp)
                        os.replace(tmp, dst)
                    except OSError:
                        if os.path.exists(tmp):
                            os.remove(tmp)
            prefs.codegen.runtime.cython.cache_dir = path

    return IzhCythonCache(base, seed_modules)


def dask_map(task, args_list, *, scheduler, n_workers=2, seed_modules=(), worker_cache_base=None) -> list:
    """``[task(*args) for args in args_list]`` on a Dask cluster, one task per item, results in order.

    ``scheduler`` is ``"local"`` (a LocalCluster of ``n_workers`` processes, closed afterwards) or a
    scheduler address. ``seed_modules`` (compiled here, see :func:`compiled_modules`) are copied into each
    worker's own Cython cache, so the workers do not compile. Used by the atlas and by
    :func:`izh_brian.fitting.recovery.fit_many`.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("Dask is not installed: pip install 'izh_brian[dask]' (dask, distributed)") from exc
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=int(n_workers), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
    try:
        plugin = _cache_plugin(worker_cache_base, seed_modules)
        if hasattr(client, "register_plugin"):
            client.register_plugin(plugin)
        else:  # pragma: no cover - older distributed
            client.register_worker_plugin(plugin)
        futures = [client.submit(task, *args, pure=False) for args in args_list]
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
