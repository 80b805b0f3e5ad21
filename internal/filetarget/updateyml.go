package filetarget

func loadYML(dst string, opt Options) (updater, error) { return nil, nil }
