"""A 2-layer network's gradients by backward(), checked against the hand-derived formulas."""
import numpy as np
import npgrad

rng = np.random.default_rng(0)
X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
W1 = npgrad.tensor(rng.standard_normal((3, 4)), requires_grad=True)
W2 = npgrad.tensor(rng.standard_normal((4, 1)), requires_grad=True)

h = (X @ W1).sigmoid()                              # hidden layer, (8, 4)
loss = ((h @ W2 - y) ** 2).sum() / (2 * len(X))     # half squared error
loss.backward()

d_out = (h.data @ W2.data - y) / len(X)             # the same by hand: dL/d(output)
dW2 = h.data.T @ d_out
dW1 = X.T @ ((d_out @ W2.data.T) * h.data * (1 - h.data))
print(f"loss {loss.item():.6f}")
print("dW1 matches:", np.allclose(W1.grad, dW1), "| dW2 matches:", np.allclose(W2.grad, dW2))
