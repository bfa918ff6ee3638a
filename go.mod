module github.com/hydralog/hydra

go 1.26
