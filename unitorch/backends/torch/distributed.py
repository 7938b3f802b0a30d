"""The PyTorch backend's ``distributed`` section: torch.distributed, gloo for CPU tensors
and NCCL for CUDA ones (a ``"cpu:gloo,cuda:nccl"`` group where CUDA is available).

c10d's collectives work in place, so each primitive works on a contiguous detached copy
and returns it.  The rendezvous is env:// (MASTER_ADDR/MASTER_PORT), so under torchrun
the workers meet in torchrun's own store.  torch.distributed's errors (DistError and the
"Connection closed by peer" / timeout errors of gloo) are RuntimeErrors.
"""

from __future__ import annotations

import torch


class DistributedOps:
    """The contract's ``distributed`` section."""

    dist_errors = (RuntimeError, TimeoutError, ConnectionError)

    def dist_init(self, rank, world_size, local_rank, master_addr, master_port, workers,
                  timeout, engine):
        import datetime
        import os

        import torch.distributed as dist

        from ..._net import is_loopback, loopback_interface

        if engine is None:
            engine = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"
        if "nccl" in engine:
            torch.cuda.set_device(local_rank % torch.cuda.device_count())
        if "GLOO_SOCKET_IFNAME" not in os.environ and is_loopback(master_addr):
            # gloo binds to the address the host name resolves to unless told otherwise;
            # for a run on one machine keep every connection on the loopback interface
            loopback = loopback_interface()
            if loopback:
                os.environ["GLOO_SOCKET_IFNAME"] = loopback
        os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = master_addr, str(master_port)
        dist.init_process_group(backend=engine, init_method="env://", rank=rank,
                                world_size=world_size,
                                timeout=datetime.timedelta(seconds=timeout))
        return f"torch.distributed/{engine}"

    @staticmethod
    def dist_shutdown():
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()

    @staticmethod
    def dist_all_reduce(x, op):
        import torch.distributed as dist

        out = x.detach().clone(memory_format=torch.contiguous_format)
        dist.all_reduce(out, op={"sum": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX,
                                 "min": dist.ReduceOp.MIN}[op])
        return out

    @staticmethod
    def dist_all_gather(x):
        import torch.distributed as dist

        x = x.detach().contiguous()
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x)
        return torch.stack(parts)

    @staticmethod
    def dist_broadcast(x, src):
        import torch.distributed as dist

        out = x.detach().clone(memory_format=torch.contiguous_format)
        dist.broadcast(out, src)
        return out

    @staticmethod
    def dist_barrier():
        import torch.distributed as dist

        dist.barrier()
