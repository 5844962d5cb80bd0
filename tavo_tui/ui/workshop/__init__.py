"""The editors for what shapes the request: prompt manager, lorebooks, text-completion templates, and opening
the place an inspector section came from."""
