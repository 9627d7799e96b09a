document.addEventListener('DOMContentLoaded', () => console.log('hello.js may be cached'));
