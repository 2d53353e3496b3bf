"""Classification of parts: ABC by value (more classes come with the classification issue)."""

from .abc import abc

__all__ = ["abc"]
