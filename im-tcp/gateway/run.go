package gateway

import "context"

// Run is the gateway's one entry: it builds a node from cfg and deps (New)
// and serves until ctx ends ((*Gateway).Run). im-tcp's main and the
// standalone binary both call it, with their own Deps.
func Run(ctx context.Context, cfg Config, deps Deps) error {
	g, err := New(cfg, deps)
	if err != nil {
		return err
	}
	return g.Run(ctx)
}
