"""What a tenant's requests cost a month, from the price table of its sizing record."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chartkit.sizing.amount import Amount
from chartkit.sizing.plan.model import Cost, PlanError

GIB = Decimal(2**30)


def to_decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise PlanError(f"{where}: {value!r} is not a number") from None


def monthly_cost(requests: Amount, pricing: dict[str, Any], gpu_type: str) -> Cost:
    """The requested CPU, memory and GPUs times the price table, for a month."""
    hours = to_decimal(pricing["hoursPerMonth"], "pricing.hoursPerMonth")
    cpu_price = to_decimal(pricing["cpuCoreHour"], "pricing.cpuCoreHour")
    memory_price = to_decimal(pricing["memoryGiBHour"], "pricing.memoryGiBHour")
    gpu_prices = pricing.get("gpuHour") or {}
    gpu_price = (
        to_decimal(gpu_prices[gpu_type], f"pricing.gpuHour.{gpu_type}")
        if gpu_type in gpu_prices
        else None
    )
    return Cost(
        currency=str(pricing["currency"]),
        hours_per_month=hours,
        cpu_core_hour=cpu_price,
        memory_gib_hour=memory_price,
        gpu_hour=gpu_price,
        cpu=Decimal(requests.cpu) / 1000 * cpu_price * hours,
        memory=Decimal(requests.memory) / GIB * memory_price * hours,
        gpu=Decimal(requests.gpu) * (gpu_price or Decimal(0)) * hours,
    )
