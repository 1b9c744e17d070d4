module github.com/whaleim/whaleim/im-codec

go 1.26

require github.com/whaleim/whaleim/im-common v0.0.0

replace github.com/whaleim/whaleim/im-common => ../im-common
