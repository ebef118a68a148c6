"""Amounts of schedulable resources, and the requests and limits made of them.

An `Amount` is CPU millicores, memory bytes, GPUs and pod slots; all arithmetic on them
(sums, differences, multiples, the larger of two, whether one covers another) is here. A
`ResourceRequirements` is the requests and limits of one pod, or of many pods summed. Both
render themselves for people (one formatter for "cpu/memory[/gpu]" cells) and for JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chartkit.sizing.quantity import format_cpu, format_memory


@dataclass(frozen=True)
class Amount:
    """Schedulable amounts: CPU millicores, memory bytes, GPUs and pod slots."""

    cpu: int = 0
    memory: int = 0
    gpu: int = 0
    pods: int = 0

    def __add__(self, other: Amount) -> Amount:
        return Amount(
            self.cpu + other.cpu,
            self.memory + other.memory,
            self.gpu + other.gpu,
            self.pods + other.pods,
        )

    def __sub__(self, other: Amount) -> Amount:
        return Amount(
            self.cpu - other.cpu,
            self.memory - other.memory,
            self.gpu - other.gpu,
            self.pods - other.pods,
        )

    def __mul__(self, count: int) -> Amount:
        return Amount(self.cpu * count, self.memory * count, self.gpu * count, self.pods * count)

    def max_with(self, other: Amount) -> Amount:
        """The larger of the two, resource by resource."""
        return Amount(
            max(self.cpu, other.cpu),
            max(self.memory, other.memory),
            max(self.gpu, other.gpu),
            max(self.pods, other.pods),
        )

    def covers(self, other: Amount) -> bool:
        return (
            self.cpu >= other.cpu
            and self.memory >= other.memory
            and self.gpu >= other.gpu
            and self.pods >= other.pods
        )

    def shortfalls(self, needed: Amount) -> list[str]:
        """What `needed` lacks here, e.g. ["cpu 250m > 227m left"]."""
        short = []
        if needed.cpu > self.cpu:
            short.append(f"cpu {format_cpu(needed.cpu)} > {format_cpu(max(self.cpu, 0))} left")
        if needed.memory > self.memory:
            short.append(
                f"memory {format_memory(needed.memory)} > {format_memory(max(self.memory, 0))} left"
            )
        if needed.gpu > self.gpu:
            short.append(f"gpu {needed.gpu} > {max(self.gpu, 0)} left")
        if needed.pods > self.pods:
            short.append(f"pod slots {needed.pods} > {max(self.pods, 0)} left")
        return short

    def describe(self, gpu: bool = True) -> str:
        text = f"cpu {format_cpu(self.cpu)}, memory {format_memory(self.memory)}"
        if gpu and self.gpu:
            text += f", gpu {self.gpu}"
        return text

    def cell(self, show_gpu: bool, gpu_unit: str = "") -> str:
        """A table cell "cpu/memory", with "/<gpu><gpu_unit>" when show_gpu: e.g. "2/4Gi/1"
        under a cpu/mem/gpu header, or "2/4Gi/1gpu" where the header names no GPUs."""
        text = f"{format_cpu(self.cpu)}/{format_memory(self.memory)}"
        return f"{text}/{self.gpu}{gpu_unit}" if show_gpu else text

    def quantities(self) -> dict[str, Any]:
        """CPU, memory (each formatted and in base units) and GPUs, for JSON."""
        return {
            "cpu": format_cpu(self.cpu),
            "cpuMillis": self.cpu,
            "memory": format_memory(self.memory),
            "memoryBytes": self.memory,
            "gpu": self.gpu,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.quantities(), "pods": self.pods}


@dataclass(frozen=True)
class ResourceRequirements:
    """Requests and limits: of one pod (its requests hold its pod slot), or summed."""

    requests: Amount = Amount()
    limits: Amount = Amount()

    def __add__(self, other: ResourceRequirements) -> ResourceRequirements:
        return ResourceRequirements(self.requests + other.requests, self.limits + other.limits)

    def __mul__(self, count: int) -> ResourceRequirements:
        return ResourceRequirements(self.requests * count, self.limits * count)

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests.quantities(), "limits": self.limits.quantities()}
