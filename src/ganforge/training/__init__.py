"""Training: the one trainer every recipe runs on.

    loop.py        run_training: the outer loop, samples, checkpoints, Ctrl-C, time limits
    run.py         TrainingRun: data, networks, players and optimisers, EMA, state; one step
    context.py     StepContext: what a player's step may read (networks, batches, latents, state)
    players.py     Player (and Simultaneous, GroupStep): networks + optimiser + step + hook
    recipe_interface.py  TrainableRecipe: what the trainer reads of a recipe
    process.py     process-wide settings (threads, allocator, matmul precision), restored after a run
    latent.py      LatentSpec: z, classes, latent codes; how they feed G
    stats.py       report(name, value): statistics out of any step or hook
    schedules.py   LR_SCHEDULES: constant, exponential, linear
    ema.py         EMA of the sampling network
    build.py       networks from config; shape checks
    optim.py       optimisers; lr and momentum schedule application; gradient norms
    checkpoint.py  atomic safetensors + JSON checkpoints
    report.py      Reporter: averages on device, one host sync per log interval, sinks
"""
