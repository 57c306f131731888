"""The package's reused thread-pool controller (randfb._threads)."""

from threadpoolctl import threadpool_info

from randfb._threads import _controller, single_blas_thread, single_thread


def _blas_threads():
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info()
            if lib["user_api"] == "blas"}


def test_limits_blas_inside_and_restores_after():
    before = _blas_threads()
    with single_blas_thread():
        assert all(n == 1 for n in _blas_threads().values())
    assert _blas_threads() == before
    with single_thread():
        assert all(lib["num_threads"] == 1 for lib in threadpool_info())
    assert _blas_threads() == before


def test_one_controller_is_reused():
    assert _controller() is _controller()
