"""Gradient of a 200-step explicit Euler integration on Python floats.

``s2sad.grad`` specialises the generated code for its arguments: for Python floats
there is no broadcasting bookkeeping, the value is not computed when only the
gradient is asked for, and the tape holds the two values per step the backward
sweep needs.
"""
import s2sad


def final_pos_sq(k, c):
    pos, vel = 1.0, 0.0
    for _ in range(200):
        acc = -k * pos - c * vel
        vel = vel + 0.01 * acc
        pos = pos + 0.01 * vel
    return pos ** 2


def main():
    print(s2sad.source(final_pos_sq, argnums=(0, 1), shapes=(float, float)))
    dk, dc = s2sad.grad(final_pos_sq, argnums=(0, 1))(1.3, 0.2)
    eps = 1e-6
    numeric = (final_pos_sq(1.3 + eps, 0.2) - final_pos_sq(1.3 - eps, 0.2)) / (2 * eps)
    assert abs(dk - numeric) < 1e-7, (dk, numeric)
    print("d/dk = %.8f, d/dc = %.8f (finite differences d/dk: %.8f)" % (dk, dc, numeric))


if __name__ == "__main__":
    main()
