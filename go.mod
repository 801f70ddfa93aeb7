module github.com/shuffledet/shuffledet

go 1.26

require (
	github.com/disintegration/imaging v1.6.2
	github.com/urfave/cli/v2 v2.27.7
	gocv.io/x/gocv v0.31.0
	golang.org/x/image v0.0.0-20191009234506-e7c1f5e7dbb8
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
)
