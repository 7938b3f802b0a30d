"""The TensorFlow backend's ``distributed`` section: ``tf.distribute``'s collectives.

MultiWorkerMirroredStrategy joins the cluster: it starts this worker's gRPC server,
enables collective ops in the eager context and connects the coordination service (whose
heartbeats abort pending collectives when a worker dies).  The collectives are then TF's
own CollectiveOps (the kernels the strategy's all-reduce runs), called as raw ops so that
they work on plain tensors, eagerly and in tf.function, without the strategy's replica
contexts.  Every call takes the next instance key from one counter, so the workers agree
as long as they call the same collectives in the same order; a traced function keeps the
keys it was traced with (as the strategy's functions do).  The coordination service is
configured first so that joining the cluster gives up after ``timeout`` (TensorFlow's
default is to wait for an hour).
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import tensorflow as tf

from .core import raw


class DistributedOps:
    """The contract's ``distributed`` section."""

    dist_errors = (tf.errors.OpError,)

    def dist_init(self, rank, world_size, local_rank, master_addr, master_port, workers,
                  timeout, engine):
        from tensorflow.python.distribute import collective_all_reduce_strategy as mwms
        from tensorflow.python.eager import context

        coordination_config_pb2 = mwms.coordination_config_pb2  # (its location moves)

        if getattr(self, "_dist_group", None) is not None or _DistGroup.joined:
            raise RuntimeError("TensorFlow joins one cluster per process (its runtime keeps "
                               "the first one); start a new process to join another")
        if getattr(context.context(), "_context_handle", None) is not None:
            # (MultiWorkerMirroredStrategy would fail with "Collective ops must be
            # configured at program startup")
            raise RuntimeError("on TensorFlow, call ut.distributed.init() before creating "
                               "any tensor: TensorFlow configures its runtime for the "
                               "cluster when it starts")
        impl = tf.distribute.experimental.CommunicationImplementation
        implementation = {None: impl.AUTO, "auto": impl.AUTO, "ring": impl.RING,
                          "nccl": impl.NCCL}.get(engine)
        if implementation is None:
            raise ValueError(f"unknown TensorFlow collective engine {engine!r}; choose "
                             "'auto', 'ring' or 'nccl'")
        gpus = tf.config.list_physical_devices("GPU")
        if len(gpus) > 1:  # one GPU per worker, as torch.distributed programs use them
            tf.config.set_visible_devices(gpus[local_rank % len(gpus)], "GPU")
        ctx = context.context()
        ctx.configure_coordination_service(
            service_type="standalone", service_leader="/job:worker/replica:0/task:0",
            coordinated_jobs=[coordination_config_pb2.CoordinatedJob(
                name="worker", num_tasks=world_size)],
            cluster_register_timeout_in_ms=max(1, int(timeout * 1000)))
        # registering waits for every worker, up to the timeout above (without the
        # barrier, a worker whose peers never start waits in WaitForAllTasks for ever)
        ctx.coordination_service.cluster_register_with_barrier = True
        resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
            tf.train.ClusterSpec({"worker": list(workers)}), task_type="worker",
            task_id=rank, rpc_layer="grpc")
        _DistGroup.joined = True
        strategy = tf.distribute.MultiWorkerMirroredStrategy(
            resolver, communication_options=tf.distribute.experimental.CommunicationOptions(
                implementation=implementation, timeout_seconds=timeout))
        self._dist_group = _DistGroup(strategy, rank, world_size, timeout)
        return f"tf.distribute/{implementation.name.lower()}"

    def dist_shutdown(self):
        # TensorFlow cannot leave a cluster; collectives are refused from now on.
        self._dist_group = None

    def _dist_args(self, x):
        group = self._dist_group
        if group is None:
            raise RuntimeError("this process has left the TensorFlow cluster")
        return group.args(self.device(x).type)

    def dist_all_reduce(self, x, op):
        merge = {"sum": "Add", "max": "Max", "min": "Min"}[op]
        return raw.CollectiveReduceV2(input=tf.stop_gradient(x), ordering_token=[],
                                      merge_op=merge, final_op="Id", **self._dist_args(x))

    def dist_all_gather(self, x):
        # CollectiveGatherV2 concatenates along the first axis: gather (1, *shape) pieces
        x = raw.ExpandDims(input=tf.stop_gradient(x), axis=0)
        return raw.CollectiveGatherV2(input=x, ordering_token=[], **self._dist_args(x))

    def dist_broadcast(self, x, src):
        args = self._dist_args(x)
        if self._dist_group.rank == src:
            return raw.CollectiveBcastSendV2(input=tf.stop_gradient(x), **args)
        return raw.CollectiveBcastRecvV2(shape=tf.shape(x), T=x.dtype, **args)

    def dist_barrier(self):
        with tf.device("/CPU:0"):
            token = tf.zeros((), tf.int32)
        self.dist_all_reduce(token, "sum")

class _DistGroup:
    """This worker's place in the TensorFlow cluster: the strategy that joined it (kept
    alive: it owns the health checks), the group's size and the collectives' keys."""

    #: whether this process has joined a cluster (TensorFlow allows one per process)
    joined = False
    _GROUP_KEYS: ClassVar[dict[str, int]] = {"cpu": 0x7E57, "gpu": 0x7E58}  # one collective group per device type

    def __init__(self, strategy: Any, rank: int, size: int, timeout: float) -> None:
        self.strategy, self.rank, self.size, self.timeout = strategy, rank, size, timeout
        self._instance = 0
        self._lock = threading.Lock()

    def args(self, device_type: str) -> dict[str, Any]:
        with self._lock:
            self._instance += 1
            instance = self._instance
        return {"group_size": self.size, "group_key": self._GROUP_KEYS[device_type],
                "instance_key": instance, "timeout_seconds": float(self.timeout)}
