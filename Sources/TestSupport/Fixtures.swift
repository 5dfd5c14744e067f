import BuildModel
