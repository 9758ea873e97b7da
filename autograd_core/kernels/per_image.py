"""Small convolutions image by image: one image's columns at a time in a scratch buffer, then its GEMMs.

Where each image's GEMM is small (below ``blas.THREADED_FROM`` multiply-adds:
LeNet-5's are 6x26x784 and 16x151x100), the whole batch's im2col columns
(3.9 MB for LeNet-5's second convolution) are written to memory and read back
by the GEMM, and by the weight gradient after them, out of cache. Here every
kernel loops over its images in compiled code: im2col of one image into a
scratch buffer that stays in cache, then that image's GEMM through BLAS
(``np.dot`` in Numba, one call per image and group), and the weight gradient
rebuilds its columns the same way instead of keeping the forward's. The
im2col / col2im code is the serial kernel of ``im2col``, so the columns and
the GEMMs are the same as the whole-batch path's, and so are the results (bitwise on
LeNet-5's layers).

Each kernel runs in the calling thread without the GIL: ``conv`` hands slices
of the batch to ``batch_threads``, which then need the GIL only to start.
Measured on the LeNet-5 training step (batch 64), the two paths in alternating
rounds in one process: 6.2-10.9 -> 5.4-9.0 ms median on 2 threads (six
runs), 7.0 -> 6.0 ms on one; the course CNN's step 18.4 -> 17.7 ms. In
isolation, with the columns hot in cache, the paths are level. The first use
compiles the three kernels per dtype (about 3 s, once: cached on disk).
"""
import functools

import numpy as np
from numba import njit
from numba.extending import register_jitable

from .im2col import column_kernels
from .twin import named_for


@functools.lru_cache(maxsize=None)
def image_kernels(stride_d, stride_h, stride_w, dilation_d, dilation_h, dilation_w):
    """``(forward, weight_grad, input_grad)`` for one stride and dilation (compiled once, cached on disk).

    Arrays: images x (N, C, D, H, W), output gradients grads (N, G, O/G, P) for P = OD*OH*OW,
    scratch (1, G, R, OD, OH, OW) with R the rows of a group's columns (plus a
    row of ones, set by the caller, under a bias); the kernel's sizes and padding follow.
    """
    # compiled into each kernel (register_jitable): a kernel referring to the Numba functions themselves would
    # miss the on-disk cache in every new process (its cache key holds them, pickled afresh with a new id)
    im2col, col2im = (register_jitable(twin.python) for twin in column_kernels(stride_d, stride_h, stride_w,
                                                                                dilation_d, dilation_h, dilation_w))

    def forward(x, weight, out, scratch, kernel_d, kernel_h, kernel_w, pad_d, pad_h, pad_w):
        """``out[n, g] = weight[g] @ columns(x[n], g)`` for weight (G, O/G, R), out (N, G, O/G, P)."""
        rows, pixels = weight.shape[2], out.shape[3]
        for n in range(x.shape[0]):
            im2col(x[n:n + 1], scratch, kernel_d, kernel_h, kernel_w, pad_d, pad_h, pad_w, 1)
            for g in range(weight.shape[0]):
                np.dot(weight[g], scratch[0, g].reshape(rows, pixels), out[n, g])

    def weight_grad(x, grads_t, total, scratch, kernel_d, kernel_h, kernel_w, pad_d, pad_h, pad_w):
        """``total[g] += columns(x[n], g) @ grads_t[n, g]`` over the images, for the output gradients transposed,
        grads_t (N, G, P, O/G), and total (G, R, O/G)."""
        rows, pixels = total.shape[1], grads_t.shape[2]
        product = np.empty(total.shape[1:], dtype=total.dtype)
        for n in range(x.shape[0]):
            im2col(x[n:n + 1], scratch, kernel_d, kernel_h, kernel_w, pad_d, pad_h, pad_w, 1)
            for g in range(total.shape[0]):
                np.dot(scratch[0, g].reshape(rows, pixels), grads_t[n, g], product)
                for r in range(rows):  # a loop: ``+=`` on the arrays took 3 s more to compile
                    for o in range(product.shape[1]):
                        total[g, r, o] += product[r, o]

    def input_grad(grads, weight_t, gz, scratch, kernel_d, kernel_h, kernel_w, pad_d, pad_h, pad_w):
        """``gz[n] = col2im(weight_t[g] @ grads[n, g] for each g)`` for weight_t (G, R, O/G), gz (N, C, D, H, W)."""
        rows, pixels = weight_t.shape[1], grads.shape[3]
        for n in range(grads.shape[0]):
            for g in range(weight_t.shape[0]):
                np.dot(weight_t[g], grads[n, g], scratch[0, g].reshape(rows, pixels))
            col2im(scratch, gz[n:n + 1], kernel_d, kernel_h, kernel_w, pad_d, pad_h, pad_w, 1)

    constants = (stride_d, stride_h, stride_w, dilation_d, dilation_h, dilation_w)
    return tuple(njit(nogil=True, cache=True)(named_for(kernel, *constants))
                 for kernel in (forward, weight_grad, input_grad))
