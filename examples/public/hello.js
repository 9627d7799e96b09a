console.log('hello.js: scripts are the only responses the browser may cache');
