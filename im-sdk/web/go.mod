module github.com/whaleim/whaleim/im-sdk/web

go 1.26
